"""ofin's schema on PostgreSQL, derived from its one source: the named SQLite migrations.

The migrations in bot/store/migrations.py stay the only place the schema is written. To build
it on PostgreSQL, they are applied to an in-memory SQLite database, and what they made (tables,
columns, keys, defaults, indexes, partial unique indexes) is read back and written as
PostgreSQL DDL, with the names of the migrations it includes, so a database knows which
version of the schema it has. bot/store/pg_migrate.py creates it, or gives a database made by
an older ofin the migrations it lacks, from the same functions.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from sqlite_utils import Database

from bot.store.db import StoreError
from bot.store.migrations import migrations

#: pg_advisory_xact_lock's key while a worker creates or upgrades the schema (or a copy fills it)
SCHEMA_LOCK = 0x0F1_5C4EA

#: SQLite's declared types -> PostgreSQL's. Timestamps stay ISO-8601 text on both engines (they
#: sort and compare as text, and every query already treats them so).
TYPES = {"TEXT": "TEXT", "INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION", "": "TEXT"}


def sqlite_schema() -> Database:
    """A fresh in-memory database with every migration applied."""
    db = Database(sqlite3.connect(":memory:"))
    migrations.apply(db)
    return db


def ofin_tables(db: Database) -> list[str]:
    """The tables the migrations made, by name (not SQLite's own, nor the migrations' record)."""
    return sorted(t for t in db.table_names() if not t.startswith(("_sqlite", "sqlite_")))


def identity_column(db: Database, table: str) -> str:
    """The column PostgreSQL numbers rows by: the INTEGER primary key (SQLite's rowid alias), or
    ``rowid``, SQLite's hidden insertion order made a visible column."""
    columns = list(db.execute(f"PRAGMA table_info([{table}])"))
    keys = [c for c in columns if c[5]]
    if len(keys) == 1 and keys[0][2].upper() == "INTEGER":
        return str(keys[0][1])
    return "rowid"


def migration_names(db: Database) -> list[str]:
    """The names of the migrations the schema includes, in order."""
    return [m.name for m in migrations.applied(db)]


def postgres_ddl(db: Database | None = None) -> list[str]:
    """The statements that create ofin's schema on PostgreSQL: tables, indexes, then the
    foreign keys (so no table waits for another), each safe to run again."""
    tables, keys = postgres_ddl_parts(db or sqlite_schema())
    return tables + keys


def postgres_ddl_parts(db: Database) -> tuple[list[str], list[str]]:
    """``postgres_ddl`` in its two parts: tables and indexes; then the foreign keys, which a
    copy adds after the rows (each safe to run again)."""
    statements, keys = [], []
    untranslatable(db)
    for table in ofin_tables(db):
        statements += table_ddl(db, table)
        for fk in db.table(table).foreign_keys:
            name = f"fk_{table}_{fk.column}"
            keys.append(
                f'DO $$ BEGIN ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY '
                f'("{fk.column}") REFERENCES "{fk.other_table}" ("{fk.other_column}"); '
                "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            )
    return statements, keys


def table_ddl(db: Database, table: str) -> list[str]:
    """One table's CREATE TABLE and CREATE INDEX statements on PostgreSQL."""
    return [_table(db, table), *_indexes(db, table)]


def untranslatable(db: Database) -> None:
    """Raise StoreError naming what the schema has that this module cannot write for
    PostgreSQL: views, triggers, virtual tables, or a column type outside TYPES."""
    found = [
        f"{kind} {name}"
        for kind, name, sql in db.execute("SELECT type, name, sql FROM sqlite_master")
        if kind in ("view", "trigger") or (sql or "").upper().startswith("CREATE VIRTUAL")
    ]
    for table in ofin_tables(db):
        for _, column, type_, *_ in db.execute(f"PRAGMA table_info([{table}])"):
            if type_.upper() not in TYPES:
                found.append(f"column {table}.{column} of type {type_}")
    if found:
        raise StoreError(
            "the schema has what bot/store/pg_schema.py cannot make on PostgreSQL: "
            + ", ".join(found)
        )


def recorded_migrations(conn: Any) -> set[str]:
    """The names in the database's ``schema_migrations`` (none when there is no schema)."""
    if not conn.execute("SELECT to_regclass('schema_migrations')").fetchone()[0]:
        return set()
    return {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}


def record_migrations(conn: Any, names: list[str]) -> None:
    """Record ``names`` in ``schema_migrations`` (made if need be); those there stay as they are."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, "
        "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    for name in names:
        conn.execute(
            "INSERT INTO schema_migrations (name) VALUES (%s) ON CONFLICT DO NOTHING", [name]
        )


def _table(db: Database, table: str) -> str:
    columns, keys = [], []
    rowid_alias = False
    for _, name, type_, notnull, default, pk in db.execute(f"PRAGMA table_info([{table}])"):
        pg_type = TYPES[type_.upper()]
        if pk and type_.upper() == "INTEGER" and _single_pk(db, table):
            pg_type = "BIGINT GENERATED BY DEFAULT AS IDENTITY"  # SQLite's rowid alias
            rowid_alias = True
        line = f'"{name}" {pg_type}'
        if notnull or pk:
            line += " NOT NULL"
        if default is not None:
            line += f" DEFAULT {_literal(default)}"
        columns.append(line)
        if pk:
            keys.append((pk, name))
    if not rowid_alias:
        # SQLite's hidden rowid (insertion order, which some queries break ties by), made visible.
        columns.append('"rowid" BIGINT GENERATED ALWAYS AS IDENTITY')
    if keys:
        ordered = ", ".join(f'"{n}"' for _, n in sorted(keys))
        columns.append(f"PRIMARY KEY ({ordered})")
    return f'CREATE TABLE IF NOT EXISTS "{table}" (\n    ' + ",\n    ".join(columns) + "\n)"


def _single_pk(db: Database, table: str) -> bool:
    return sum(1 for row in db.execute(f"PRAGMA table_info([{table}])") if row[5]) == 1


def _literal(default: str) -> str:
    """A SQLite default as PostgreSQL writes it (transform quotes numbers: '0' -> 0)."""
    unquoted = default.strip("'")
    return unquoted if re.fullmatch(r"-?\d+(\.\d+)?", unquoted) else default


def _indexes(db: Database, table: str) -> list[str]:
    statements = []
    for _, index, unique, origin, partial in db.execute(f"PRAGMA index_list([{table}])"):
        if origin == "pk":
            continue
        columns = ", ".join(f'"{r[2]}"' for r in db.execute(f"PRAGMA index_info([{index}])"))
        kind = "UNIQUE INDEX" if unique else "INDEX"
        sql = f'CREATE {kind} IF NOT EXISTS "{index}" ON "{table}" ({columns})'
        if partial:
            where = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [index]).fetchone()
            sql += " WHERE " + where[0].split(" WHERE ", 1)[1]
        statements.append(sql)
    return statements
