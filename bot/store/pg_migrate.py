"""ofin's schema on a PostgreSQL database, created or upgraded by the same migrations as SQLite's.

``apply_schema`` (each worker, at start) creates the schema a fresh database lacks
(bot/store/pg_schema.py derives it), or upgrades one an older ofin made.

The migrations (bot/store/migrations.py) are sqlite-utils code: ``create``, ``add_column``,
``transform`` and SQLite SQL that moves data (m017 gives every row its workspace). Rather than
write each one a second time for PostgreSQL, the upgrade runs them where they were written:

1. a temporary SQLite file is made at the migrations the PostgreSQL database has, and every
   table's rows are copied into it (bot/store/pg_copy.py, ids and insertion order kept);
2. the pending migrations run there, exactly as they run on a SQLite deployment, while SQLite's
   authorizer notes every table they write, drop or rebuild;
3. on PostgreSQL, each table whose definition changed or whose rows a migration wrote is
   dropped, made again from the new schema (bot/store/pg_schema.py) and refilled from the
   SQLite copy, with its row count checked; tables the migrations did not touch stay as they
   are; foreign keys are added back last.

It runs inside ``apply_schema``'s transaction, under its advisory lock: of N workers starting
together one upgrades and commits, the others wait for it and find nothing left to do; a
failure rolls everything back (PostgreSQL's DDL is transactional) and the worker refuses to
start, saying why. The temporary file is as large as the database: the upgrade's time and disk
grow with the rows it reads.
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.store.db import StoreError
from bot.store.migrations import migrations
from bot.store.pg_conn import connect
from bot.store.pg_copy import count, from_postgres, parents_first, to_postgres
from bot.store.pg_schema import (
    SCHEMA_LOCK,
    migration_names,
    ofin_tables,
    postgres_ddl,
    postgres_ddl_parts,
    record_migrations,
    recorded_migrations,
    sqlite_schema,
    table_ddl,
)

logger = logging.getLogger(__name__)

#: What SQLite's authorizer reports for a statement that writes a table (arg1 is its name).
_WRITES = {
    sqlite3.SQLITE_INSERT,
    sqlite3.SQLITE_UPDATE,
    sqlite3.SQLITE_DELETE,
    sqlite3.SQLITE_DROP_TABLE,
    sqlite3.SQLITE_CREATE_TABLE,
}
#: ... and for one that changes a table's definition or indexes (arg2 is its name).
_ALTERS = {sqlite3.SQLITE_ALTER_TABLE, sqlite3.SQLITE_CREATE_INDEX, sqlite3.SQLITE_DROP_INDEX}


def apply_schema(url: str) -> list[str]:
    """Create or upgrade ofin's schema in the PostgreSQL database at ``url``; return the
    migrations it has.

    Workers starting together take turns (an advisory lock held to the end of one
    transaction): the first one creates the schema, or applies the migrations the database
    lacks (``upgrade``), and commits; the others then find nothing to do. The
    names of the migrations are recorded in ``schema_migrations``, and the ``meta`` rows (the
    forgetting key) are written once.
    """
    db = sqlite_schema()
    names = migration_names(db)
    with connect(url) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEMA_LOCK])
        done = recorded_migrations(conn)
        missing = [n for n in names if n not in done]
        if done and missing:
            # CREATE … IF NOT EXISTS alone would leave the old tables as they are.
            upgrade(conn, [n for n in names if n in done], missing)
        for statement in postgres_ddl(db):
            conn.execute(statement)
        record_migrations(conn, names)
        for key, value in db.execute("SELECT key, value FROM meta"):
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                [key, value],
            )
        rows = conn.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()
    return [r[0] for r in rows]


def upgrade(conn: Any, done: list[str], pending: list[str]) -> None:
    """Apply the ``pending`` migrations to the PostgreSQL database on ``conn``, which has
    ``done``; inside the caller's transaction, which holds the schema lock."""
    logger.warning("upgrading the PostgreSQL database: applying %s", ", ".join(pending))
    with tempfile.TemporaryDirectory(prefix="ofin-upgrade-") as folder:
        work = Database(Path(folder) / "upgrade.db")
        try:
            _upgrade(conn, work, done, pending)
        finally:
            work.close()
    logger.warning("the PostgreSQL database now has %s", pending[-1])


def _upgrade(conn: Any, work: Database, done: list[str], pending: list[str]) -> None:
    migrations.apply(work, stop_before=pending[0])
    if migration_names(work) != done:
        # Made in another order than the code's: running the rest could not give its schema.
        raise StoreError(
            f"the PostgreSQL database has migrations {', '.join(done)}, not the first ones of "
            f"this ofin's ({', '.join(migration_names(work))}): it cannot be upgraded in place"
        )
    before = {t: table_ddl(work, t) for t in ofin_tables(work)}
    for table in before:
        work.execute(f"DELETE FROM [{table}]")  # what the migrations wrote (meta's key)
        from_postgres(conn, work, table)
    work.conn.commit()

    touched: set[str] = set()

    def note(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
        if action in _WRITES and arg1:
            touched.add(arg1)
        elif action in _ALTERS and arg2:
            touched.add(arg2)
        return sqlite3.SQLITE_OK

    work.conn.set_authorizer(note)
    try:
        migrations.apply(work)
    finally:
        work.conn.set_authorizer(None)
    after = {t: table_ddl(work, t) for t in ofin_tables(work)}
    rebuilt = [t for t in after if t in touched or before.get(t) != after[t]]
    for table in sorted(set(before) - set(after) | set(rebuilt) & set(before)):
        conn.execute(f'DROP TABLE IF EXISTS "{table}" CASCADE')  # CASCADE: foreign keys to it
    tables, keys = postgres_ddl_parts(work)
    for statement in tables:  # makes the rebuilt tables; the others exist (IF NOT EXISTS)
        conn.execute(statement)
    for table in parents_first(work, rebuilt):
        copied, there = to_postgres(work, conn, table), count(conn, table)
        expected = work.table(table).count
        if not copied == there == expected:
            raise StoreError(f"upgrading {table}: {expected} rows, {there} on PostgreSQL")
    for statement in keys:
        conn.execute(statement)
    logger.info("upgrade: rebuilt %s; kept %s", rebuilt, sorted(set(after) - set(rebuilt)))
