"""Which engine a store opens: a SQLite file's path, or a PostgreSQL URL."""

from __future__ import annotations

from pathlib import Path

from bot.clock import Clock
from bot.store.db import Db, SqliteDb
from bot.store.postgres import PgDb


def is_postgres_url(target: str | Path) -> bool:
    """True when ``target`` is a PostgreSQL URL (postgresql:// or postgres://)."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def open_db(target: str | Path, *, clock: Clock) -> Db:
    """Open the database ``target`` names: a ``postgresql://`` URL, else a SQLite file's path."""
    if is_postgres_url(target):
        return PgDb(str(target), clock=clock)
    return SqliteDb(target, clock=clock)
