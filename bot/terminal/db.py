"""`python -m bot db backup PATH` and `python -m bot db check`: the database's safety tools.

Both read the database at OFIN_DB and never create it. ``backup`` uses SQLite's online backup, a
consistent copy even while the bot writes (a plain ``cp`` of a live WAL database is not), and
checks the copy's integrity before calling it good. ``check`` runs SQLite's integrity and foreign
key checks and says whether every migration is applied.

On PostgreSQL (OFIN_DATABASE_URL) neither pretends: backups and integrity are the server's
(``pg_dump``, ``pg_basebackup``, ``amcheck``), and both say so in one line, exit status 2.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from bot.terminal.database import existing_database

PAGES_PER_STEP = 1024  # copy in steps, so the bot's writers wait at most one step


def _connect(path: Path, *, read_only: bool = True) -> sqlite3.Connection:
    mode = "ro" if read_only else "rwc"
    return sqlite3.connect(f"file:{path}?mode={mode}", uri=True, timeout=30.0)


def problems_of(conn: sqlite3.Connection) -> list[str]:
    """What SQLite's integrity and foreign key checks found (empty when all is well)."""
    found = [row[0] for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
    for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
        found.append(f"{table} row {rowid}: refers to a missing row of {parent}")
    return found


def run_backup(target: str | Path, db_path: str | Path | None = None) -> int:
    """Copy the live database to ``target`` (which must not exist); return the exit status."""
    path = existing_database(db_path)
    if isinstance(path, int):
        return path
    if isinstance(path, str):
        return _not_on_postgres(
            "db backup copies a SQLite file; back up PostgreSQL with the server's tools: "
            'pg_dump --format=custom --file=ofin.dump "$OFIN_DATABASE_URL"'
        )
    target = Path(target)
    if target.exists():
        print(f"ofin: {target} already exists; choose a new file name", file=sys.stderr)
        return 1
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        source = _connect(path)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy, pages=PAGES_PER_STEP)
            problems = problems_of(copy)
            pages = copy.execute("PRAGMA page_count").fetchone()[0]
        finally:
            copy.close()
            source.close()
    except (sqlite3.Error, OSError) as exc:
        target.unlink(missing_ok=True)
        print(f"ofin: backup to {target} failed: {exc}", file=sys.stderr)
        return 1
    if problems:
        print(f"ofin: the copy at {target} fails its integrity check:", file=sys.stderr)
        print("\n".join(problems[:20]), file=sys.stderr)
        return 1
    size = target.stat().st_size
    print(f"backed up {path} to {target} ({pages} pages, {size:,} bytes, integrity ok)")
    return 0


def run_check(db_path: str | Path | None = None) -> int:
    """Check the database's integrity and migrations; print the verdict; return the status."""
    from bot.store.migrations import migrations

    path = existing_database(db_path)
    if isinstance(path, int):
        return path
    if isinstance(path, str):
        return _not_on_postgres(
            "db check runs SQLite's checks; on PostgreSQL use the server's own (amcheck's "
            "pg_amcheck, and pg_dump to a file proves every row reads back); ofin's schema is "
            "created or checked by every worker at start"
        )
    try:
        conn = _connect(path)
        try:
            problems = problems_of(conn)
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            applied = (
                {r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")}
                if "_sqlite_migrations" in tables
                else set()
            )
        finally:
            conn.close()
    except sqlite3.Error as exc:
        print(f"ofin: {path} cannot be checked: {exc}", file=sys.stderr)
        return 1
    pending = [m.name for m in migrations._migrations if m.name not in applied]
    if problems:
        print(f"ofin: {path} has {len(problems)} problem(s):", file=sys.stderr)
        print("\n".join(problems[:50]), file=sys.stderr)
        return 1
    note = f"; {len(pending)} migration(s) apply at the next start" if pending else ""
    print(f"database OK: {path} (integrity ok, {len(applied)} migrations applied{note})")
    return 0


def _not_on_postgres(message: str) -> int:
    """Say what to use instead on PostgreSQL; exit status 2 (the command does not apply)."""
    print(f"ofin: OFIN_DATABASE_URL is PostgreSQL: {message}", file=sys.stderr)
    return 2
