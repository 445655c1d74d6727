"""The database a command-line tool reads: OFIN_DATABASE_URL, else OFIN_DB (or a given path).

Admin tools (db, report, scores export) never create a database: a missing file is an error with
exit status 1, a bad setting or an unusable database exit status 2, each said in one line. A
PostgreSQL URL is passed on as it is: the server says whether the database is there.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.clock import from_env as clock_from_env
from bot.config import ConfigError, from_env

if TYPE_CHECKING:
    from bot.store import Store


def existing_database(db_path: str | Path | None, purpose: str = "") -> Path | str | int:
    """The database file (or PostgreSQL URL), or an exit status after saying what is wrong."""
    from bot.store import is_postgres_url

    if db_path is None:
        try:
            db_path = from_env().database
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 2
    if is_postgres_url(db_path):
        return str(db_path)
    path = Path(db_path)
    if not path.is_file():
        suffix = f"; nothing to {purpose}" if purpose else ""
        print(f"ofin: no database at {path} (set OFIN_DB){suffix}", file=sys.stderr)
        return 1
    return path


def open_existing_store(
    db_path: str | Path | None, purpose: str = "", *, clock: Clock | None = None
) -> Store | int:
    """The Store over the existing database, or an exit status after saying what is wrong.

    ``clock`` defaults to the one the environment asks for (bot.clock.from_env). The store
    reads the home workspace, or the one ``OFIN_TEAM`` names (a team id, with OAuth installs).
    """
    from bot.store import Store, StoreError, is_postgres_url

    path = existing_database(db_path, purpose)
    if isinstance(path, int):
        return path
    try:
        team = os.environ.get("OFIN_TEAM") or None
        return Store(path, clock=clock or clock_from_env(), team=team)
    except StoreError as exc:
        setting = "OFIN_DATABASE_URL" if is_postgres_url(path) else "OFIN_DB"
        print(f"ofin: {exc} (check {setting})", file=sys.stderr)
        return 2
