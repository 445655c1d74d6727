"""ofin's schema on a real PostgreSQL, derived from the SQLite migrations (one source)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.store.pg_migrate import apply_schema
from bot.store.pg_schema import migration_names, sqlite_schema
from bot.store.postgres import connect
from tests.store.pg_server import pg_server
from tests.store.test_migrations import MIGRATIONS, SCHEMA


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    yield from pg_server()


def assert_tables_as_migrated(conn) -> None:
    """Every table has the columns (name, NOT NULL) and indexes the migrations give it."""
    for table, lines in SCHEMA.items():
        expected = [
            (line.split()[0], "NOT NULL" in line or " PK" in line)
            for line in lines
            if not line.startswith(("INDEX", "UNIQUE INDEX"))
        ]
        assert columns(conn, table) == expected, table
        indexes = {
            r[0]
            for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        }
        for line in lines:
            if line.startswith(("INDEX", "UNIQUE INDEX")):
                assert line.split("INDEX ", 1)[1].split()[0] in indexes, (table, line)


def columns(conn, table: str) -> list[tuple[str, bool]]:
    rows = conn.execute(
        "SELECT column_name, is_nullable = 'NO' FROM information_schema.columns "
        "WHERE table_name = %s ORDER BY ordinal_position",
        [table],
    ).fetchall()
    # "rowid": SQLite's hidden insertion order, a visible column on PostgreSQL (pg_schema.py)
    return [(name, bool(required)) for name, required in rows if name != "rowid"]


def test_every_table_column_and_index_of_the_migrations_is_on_postgres(pg_url: str) -> None:
    # Three workers start at once: one creates the schema, the others find it.
    with ThreadPoolExecutor(3) as pool:
        applied = list(pool.map(lambda _: apply_schema(pg_url), range(3)))
    assert all(sorted(a) == sorted(MIGRATIONS) for a in applied)
    assert migration_names(sqlite_schema()) == MIGRATIONS
    with connect(pg_url) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        }
        assert tables == set(SCHEMA) | {"schema_migrations"}
        assert_tables_as_migrated(conn)
        assert conn.execute(
            "SELECT length(value) FROM meta WHERE key = 'forget_key'"
        ).fetchone() == (64,)


def test_the_constraints_hold_on_postgres(pg_url: str) -> None:
    import psycopg

    apply_schema(pg_url)
    with connect(pg_url) as conn:
        post = conn.execute(
            "INSERT INTO quiz_posts (channel_id, team_id, kind, question_id, status, created_at) "
            "VALUES ('C1', 'T1', 'manual', 'q', 'open', 'now') RETURNING id"
        ).fetchone()[0]
        with pytest.raises(psycopg.errors.UniqueViolation):  # one open quiz per channel
            conn.execute(
                "INSERT INTO quiz_posts (channel_id, team_id, kind, question_id, status, "
                "created_at) VALUES ('C1', 'T1', 'manual', 'q', 'open', 'now')"
            )
        answer = (
            "INSERT INTO answers (post_id, team_id, user_id, channel_id, correct, points, "
            "answered_at) VALUES (%s, 'T1', 'U1', 'C1', 1, 10, 'now') "
            "ON CONFLICT DO NOTHING RETURNING id"
        )
        assert conn.execute(answer, [post]).fetchone() is not None
        assert conn.execute(answer, [post]).fetchone() is None  # a person's first answer only
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute(answer, [post + 1000])


def test_an_older_schema_gets_the_migration_it_lacks(pg_url: str) -> None:
    """The full upgrade from the single-workspace release is tests/store/test_pg_upgrade.py."""
    apply_schema(pg_url)
    with connect(pg_url) as conn:
        conn.execute("DELETE FROM schema_migrations WHERE name = %s", [MIGRATIONS[-1]])
    assert sorted(apply_schema(pg_url)) == sorted(MIGRATIONS)
    with connect(pg_url) as conn:
        assert columns(conn, "directory")[:2] == [("team_id", True), ("user_id", True)]
