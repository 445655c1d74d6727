"""Rows between SQLite and PostgreSQL, table by table, keeping ids and insertion order.

Two callers: upgrading a PostgreSQL database, whose rows go through a SQLite copy where the
migrations run (bot/store/pg_migrate.py), and moving a SQLite database to PostgreSQL
(``copy_database``, for ``python -m bot db copy-to-postgres``). Rows travel with PostgreSQL's
``COPY`` (one round trip per table, not per row) and keep their numbers: the INTEGER primary
key, or SQLite's hidden ``rowid``, which is a visible column on PostgreSQL
(bot/store/pg_schema.py). Each table's identity then restarts after its highest number.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from bot.store.db import StoreError
from bot.store.pg_conn import connect
from bot.store.pg_schema import (
    SCHEMA_LOCK,
    identity_column,
    migration_names,
    ofin_tables,
    postgres_ddl_parts,
    record_migrations,
    recorded_migrations,
    sqlite_schema,
)

BATCH = 5000  # rows fetched from PostgreSQL at a time


def columns_of(db: Database, table: str) -> list[str]:
    """The table's columns in order, with ``rowid`` last where PostgreSQL keeps it visibly."""
    names = [str(r[1]) for r in db.execute(f"PRAGMA table_info([{table}])")]
    return names + ["rowid"] if identity_column(db, table) == "rowid" else names


def parents_first(db: Database, tables: list[str]) -> list[str]:
    """``tables`` ordered so a table comes after every table its foreign keys refer to."""
    ordered: list[str] = []

    def visit(table: str, seen: frozenset[str]) -> None:
        if table in ordered or table in seen:
            return
        for fk in db.table(table).foreign_keys:
            if fk.other_table in tables:
                visit(fk.other_table, seen | {table})
        ordered.append(table)

    for table in tables:
        visit(table, frozenset())
    return ordered


def to_postgres(source: Database, conn: Any, table: str) -> int:
    """Copy every row of ``table`` from ``source`` into the (empty) table on ``conn``; the
    number copied. The table's identity restarts after the highest number copied."""
    columns = columns_of(source, table)
    quoted = ", ".join(f'"{c}"' for c in columns)
    selected = ", ".join(f"[{c}]" for c in columns)
    copied = 0
    with conn.cursor() as cursor, cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
        for row in source.conn.execute(f"SELECT {selected} FROM [{table}] ORDER BY rowid"):
            copy.write_row(row)
            copied += 1
    identity = identity_column(source, table)
    conn.execute(
        f"SELECT setval(pg_get_serial_sequence(%s, %s), "
        f'COALESCE((SELECT MAX("{identity}") FROM "{table}"), 0) + 1, false)',
        [f'"{table}"', identity],
    )
    return copied


def from_postgres(conn: Any, target: Database, table: str) -> int:
    """Copy every row of ``table`` on ``conn`` into the (empty) table of ``target``, keeping
    each row's number as its SQLite rowid; the number copied."""
    columns = columns_of(target, table)
    quoted = ", ".join(f'"{c}"' for c in columns)
    named = ", ".join(f"[{c}]" for c in columns)
    insert = f"INSERT INTO [{table}] ({named}) VALUES ({', '.join('?' * len(columns))})"
    identity = identity_column(target, table)
    copied = 0
    with conn.cursor() as cursor:
        cursor.execute(f'SELECT {quoted} FROM "{table}" ORDER BY "{identity}"')
        while rows := cursor.fetchmany(BATCH):
            target.conn.executemany(insert, rows)
            copied += len(rows)
    return copied


def count(conn: Any, table: str) -> int:
    """The rows of ``table`` on PostgreSQL."""
    return int(conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])


def copy_database(source: Database, url: str) -> dict[str, int]:
    """Copy every table's rows from the SQLite database ``source`` into the PostgreSQL
    database at ``url``; return the rows copied per table, each checked by a count on both sides.

    The PostgreSQL database must hold no ofin rows: no schema yet, or the one a worker made at
    the same migrations as ``source`` with every table empty (its ``meta`` row, a forgetting key
    of its own, is replaced by the file's, which its forgotten people were hashed with). All in
    one transaction under the schema lock: a refused or failed copy leaves nothing behind.
    """
    done = set(migration_names(source))
    # At the file's migrations (not a retired name such as m017_create_directory): an older
    # file's copy is upgraded by the first worker that starts on it, as the file would be.
    names = [n for n in migration_names(sqlite_schema()) if n in done]
    source.conn.execute("BEGIN")  # one snapshot of the file: counts and rows agree
    try:
        return _copy(source, url, names)
    finally:
        source.conn.execute("ROLLBACK")


def _copy(source: Database, url: str, names: list[str]) -> dict[str, int]:
    expected = {t: source.table(t).count for t in ofin_tables(source)}
    with connect(url) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEMA_LOCK])
        recorded = recorded_migrations(conn)
        if recorded and recorded != set(names):
            raise StoreError(
                "the PostgreSQL database's schema is at other migrations than the file's "
                f"(only there: {', '.join(sorted(recorded - set(names))) or 'none'}; only in the "
                f"file: {', '.join(sorted(set(names) - recorded)) or 'none'})"
            )
        for table in expected:
            exists = conn.execute("SELECT to_regclass(%s)", [f'"{table}"']).fetchone()[0]
            if exists and table != "meta" and count(conn, table):
                raise StoreError(
                    f"the PostgreSQL database is not empty ({table} has {count(conn, table)} "
                    "rows): copy into a new database"
                )
        tables, keys = postgres_ddl_parts(source)
        for statement in tables:
            conn.execute(statement)
        conn.execute("DELETE FROM meta")
        copied = {}
        for table in parents_first(source, list(expected)):
            copied[table] = to_postgres(source, conn, table)
            there = count(conn, table)
            if not copied[table] == there == expected[table]:
                raise StoreError(
                    f"{table}: {expected[table]} rows in the file, {copied[table]} copied, "
                    f"{there} on PostgreSQL"
                )
        for statement in keys:
            conn.execute(statement)
        record_migrations(conn, names)
    return copied
