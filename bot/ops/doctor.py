"""``python -m bot doctor``'s local checks: settings, knowledge base, model, fitted weights,
database.

Each check is one ``Check``: a name, whether it passed, what was found, and the fix when it did
not. Nothing here creates or changes anything: the database is opened read-only for its checks
and its write lock is taken and released inside a transaction that is rolled back. The Slack
checks, which need the Web API, are in bot/slack/doctor.py.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.config import ConfigError, Settings, from_env
from bot.kb.loader import DEFAULT_DIR, load
from bot.kb.model import KnowledgeBase, KnowledgeError
from bot.ops.model import model_problem

LOCK_WAIT_SECONDS = 5.0  # the bot may hold the write lock for a moment


@dataclass(frozen=True)
class Check:
    """The verdict of one check: ``ok``, what was found (``detail``), the ``fix`` when not ok."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None
    skipped: bool = False  # not applicable here (no Slack token): neither passed nor failed


def check_settings(env: dict[str, str] | None = None) -> tuple[Check, Settings | None]:
    """Read the settings as a start would; say which front door they choose."""
    try:
        settings = from_env(env)
    except ConfigError as exc:
        return Check("settings", False, str(exc).removeprefix("ofin: ")), None
    if settings.app_token and settings.bot_token:
        mode = "Socket Mode (SLACK_APP_TOKEN, SLACK_BOT_TOKEN)"
    elif settings.oauth and settings.signing_secret:
        mode = (
            "HTTP mode for `serve` with OAuth installs, any number of workspaces "
            "(SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_SIGNING_SECRET)"
        )
    elif settings.bot_token and settings.signing_secret:
        mode = "HTTP mode for `serve` (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET)"
    elif settings.has_slack_tokens:
        set_ = [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", settings.bot_token),
                ("SLACK_SIGNING_SECRET", settings.signing_secret),
                ("SLACK_APP_TOKEN", settings.app_token),
            )
            if value
        ]
        return (
            Check(
                "settings",
                False,
                f"only {' and '.join(set_)} set: neither Socket Mode nor HTTP mode can start",
                "Socket Mode needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN; HTTP mode needs "
                "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET",
            ),
            settings,
        )
    else:
        mode = "the local console (no SLACK_* tokens)"
    if settings.database_url:
        from bot.store.pg_conn import redact

        where = f"PostgreSQL {redact(settings.database_url)}"
    else:
        where = str(settings.db_path)
    return Check("settings", True, f"{mode}; database {where}"), settings


def check_knowledge(path: Path = DEFAULT_DIR) -> tuple[Check, KnowledgeBase | None]:
    """Load and validate the knowledge base, as a start would."""
    try:
        kb = load(path)
    except KnowledgeError as exc:
        n = len(exc.problems)
        return (
            Check(
                "knowledge base",
                False,
                f"{n} problem{'s' if n != 1 else ''} in {path}",
                "run `python -m bot kb check` and fix each file:line it lists",
            ),
            None,
        )
    except OSError as exc:
        return Check("knowledge base", False, f"cannot read {path}: {exc.strerror or exc}"), None
    detail = (
        f"{len(kb.items)} items, {len(kb.services)} services, "
        f"{len(kb.quiz_questions)} quiz questions"
    )
    return Check("knowledge base", True, detail), kb


def check_model() -> Check:
    """The answer engine's model: installed at the pinned version, or words-only chosen."""
    problem = model_problem()
    if problem:
        detail, _, fix = problem.partition(": pip install")
        return Check("model", False, detail, f"pip install{fix}" if fix else None)
    chosen = os.environ.get("OFIN_ENGINE", "").strip().lower() == "words"
    return Check("model", True, "words only (OFIN_ENGINE=words)" if chosen else "installed")


def check_weights() -> Check:
    """The owner model's fitted weights: present and fitted for this code's features."""
    from bot.answer.fitted import FIX, FittedFilesError, shipped_model

    try:
        model = shipped_model()
    except FittedFilesError as exc:
        detail = str(exc).removeprefix("ofin: ").removesuffix(f": {FIX}")
        return Check("engine weights", False, detail, "python -m bot engine fit")
    if model is None:
        return Check("engine weights", False, "none fitted", "python -m bot engine fit")
    return Check("engine weights", True, "fitted for this code's features")


def check_postgres(url: str) -> tuple[Check, list[str]]:
    """Reachable, ofin's schema there (or none yet); the channels that have a daily quiz."""
    from bot.store.pg_conn import connect, redact
    from bot.store.pg_schema import migration_names, sqlite_schema

    where = redact(url)
    try:
        with connect(url) as conn:
            made = conn.execute("SELECT to_regclass('schema_migrations')").fetchone()[0]
            if not made:
                return Check(
                    "database", True, f"PostgreSQL {where}: reachable; schema made at first start"
                ), []
            applied = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
            channels = [
                r[0] for r in conn.execute("SELECT channel_id FROM schedules WHERE enabled = 1")
            ]
    except Exception as exc:  # psycopg's errors, or a malformed URL: both are the finding
        return Check(
            "database",
            False,
            f"PostgreSQL {where} cannot be used: {str(exc).strip().splitlines()[0]}",
            "check OFIN_DATABASE_URL (host, port, user, password, database) and the server",
        ), []
    missing = [n for n in migration_names(sqlite_schema()) if n not in applied]
    if missing:
        return Check(
            "database",
            False,
            f"PostgreSQL {where} lacks migrations {', '.join(missing)}",
            "upgrading a PostgreSQL database is not supported yet: make a new one",
        ), channels
    return Check(
        "database", True, f"PostgreSQL {where}: reachable, {len(applied)} migrations applied"
    ), channels


def check_database(path: Path) -> tuple[Check, list[str]]:
    """Writable, migrated, intact; also the channels that have a daily quiz (for Slack's check)."""
    from bot.store.migrations import migrations

    if not path.exists():
        folder = next((p for p in (path.parent, *path.parent.parents) if p.exists()), Path("."))
        if not os.access(folder, os.W_OK):
            return Check(
                "database",
                False,
                f"no database at {path}, and {folder} is not writable",
                "point OFIN_DB at a writable, persistent disk",
            ), []
        return Check("database", True, f"none yet at {path}; created at the first start"), []
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        return Check(
            "database",
            False,
            f"{path} is read-only (the file or its folder)",
            "give the user running ofin write access to the file and its folder",
        ), []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=LOCK_WAIT_SECONDS)
        try:
            integrity = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            applied = (
                {r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")}
                if "_sqlite_migrations" in tables
                else set()
            )
            channels = (
                [r[0] for r in conn.execute("SELECT channel_id FROM schedules WHERE enabled = 1")]
                if "schedules" in tables
                else []
            )
            conn.execute("BEGIN IMMEDIATE")  # can we take the write lock? (rolled back)
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return Check(
            "database",
            False,
            f"{path} cannot be used: {exc}",
            "check the file is an ofin database on a healthy, writable disk (OFIN_DB)",
        ), []
    if integrity:
        return Check(
            "database",
            False,
            f"{path} fails SQLite's integrity check: {integrity[0]}",
            "restore the last good backup (`python -m bot db backup` makes them)",
        ), channels
    pending = [m.name for m in migrations._migrations if m.name not in applied]
    if pending and not applied:
        return Check(
            "database",
            False,
            f"{path} is not an ofin database (no migrations applied)",
            "point OFIN_DB at ofin's database, or at a new file",
        ), []
    note = f"; {len(pending)} migration(s) apply at the next start" if pending else ""
    return Check(
        "database",
        True,
        f"{path}: writable, integrity ok, {len(applied)} migrations applied{note}",
    ), channels
