"""A store on each engine, with a clock the test moves: the same assertions run on both.

``store`` is parametrized: a real SQLite file in a temporary folder, and a fresh database on a
throwaway PostgreSQL server (tests/store/pg_server.py; skipped, with the reason, where the
server's binaries or psycopg are absent). A test that is about one engine asks for ``sqlite_store``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from bot.store import Store
from tests.store.pg_server import fresh_database

try:
    from psycopg.errors import IntegrityError as _PgIntegrityError
except ImportError:  # psycopg absent: the PostgreSQL tests are skipped
    _PgIntegrityError = sqlite3.IntegrityError  # type: ignore[assignment,misc]

#: What either engine raises when a constraint refuses a statement.
INTEGRITY_ERRORS = (sqlite3.IntegrityError, _PgIntegrityError)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request: pytest.FixtureRequest, tmp_path) -> str:
    """Where a test's store lives: a SQLite file's path, or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "data" / "ofin.db")
    return fresh_database(request.getfixturevalue("pg_server_url"))


@pytest.fixture
def store(store_target: str, clock) -> Iterator[Store]:
    s = Store(store_target, clock=clock, team="T1")
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path, clock) -> Iterator[Store]:
    s = Store(tmp_path / "data" / "ofin.db", clock=clock, team="T1")
    yield s
    s.close()
