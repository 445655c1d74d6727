"""PostgreSQL for several workers: exactly-once claims and one scheduler leader among them.

The first pieces of ofin on PostgreSQL (issue 19, items 3-4), Slack-free and usable alone:

- ``PgClaims``: ``claim(key)`` is True for exactly one caller across every connection and
  process, as the SQLite store's claims are: one ``INSERT … ON CONFLICT DO NOTHING`` decides.
- ``PgLeader``: among workers that share the database, exactly one runs the schedulers. It holds
  a session-level advisory lock on a connection of its own; the lock dies with that connection,
  so when the leader's process dies (even ``kill -9``) the server releases it and the next worker
  that asks takes over. Why a lock and not ``SKIP LOCKED`` on a jobs table: the schedulers are a
  handful of periodic passes whose writes are already claims, not a queue of jobs; one leader at
  a time is all they need, and a lock needs no table, no lease and no clock.

psycopg 3 is imported only here, and only when a PostgreSQL URL is used.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from bot.clock import Clock
from bot.store.db import ts

logger = logging.getLogger(__name__)

#: pg_try_advisory_lock's key for "the scheduler leader" (any constant unique to ofin).
LEADER_LOCK = 0x0F1_5C4ED


def connect(url: str) -> Any:
    """An autocommit psycopg connection to ``url`` (postgresql://…)."""
    import psycopg

    return psycopg.connect(url, autocommit=True)


class PgClaims:
    """Idempotency keys on PostgreSQL: each key is claimed once, by one caller, ever.

    The ``claims`` table is the migrations' (bot/store/pg_schema.py's ``apply_schema``), with
    the same fixed-width UTC text timestamps as on SQLite.
    """

    def __init__(self, url: str, clock: Clock) -> None:
        self._url = url
        self._clock = clock
        self._local = threading.local()  # a connection per thread: psycopg's are not shared

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = connect(self._url)
        return conn

    def claim(self, key: str) -> bool:
        """True the first time ``key`` is claimed by anyone, else False."""
        row = (
            self._conn()
            .execute(
                "INSERT INTO claims (key, claimed_at) VALUES (%s, %s) "
                "ON CONFLICT (key) DO NOTHING RETURNING key",
                [key, ts(self._clock.now())],
            )
            .fetchone()
        )
        return row is not None


class PgLeader:
    """One scheduler leader among the workers sharing a database (an advisory lock)."""

    def __init__(self, url: str, lock: int = LEADER_LOCK) -> None:
        self._url = url
        self._lock = lock
        self._conn: Any = None
        self._held = False
        self._mutex = threading.Lock()

    def is_leader(self) -> bool:
        """True while this worker holds the lock; tries to take it when it does not.

        Called before each scheduler pass: a worker whose lock connection broke stops leading
        at once, and a worker whose leader died takes over at its next pass.
        """
        with self._mutex:
            if self._conn is not None and not self._alive():
                self._drop()
            if self._conn is None:
                try:
                    self._conn = connect(self._url)
                except _connection_errors() as exc:  # unreachable: nobody leads from here
                    logger.warning("cannot reach the database to take the scheduler lead: %s", exc)
                    return False
            if self._held:
                return True
            row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", [self._lock]).fetchone()
            self._held = bool(row and row[0])
            if self._held:
                logger.info("this worker now runs the schedulers")
            return self._held

    def resign(self) -> None:
        """Give the lead up (at shutdown), so another worker takes it at its next pass."""
        with self._mutex:
            if self._held and self._alive():
                # Unlocked here, not left to the session's end: a closed connection's server
                # process may take a moment to exit and release it.
                self._conn.execute("SELECT pg_advisory_unlock(%s)", [self._lock])
            self._drop()

    def _alive(self) -> bool:
        try:
            self._conn.execute("SELECT 1")
            return True
        except _connection_errors():
            return False

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()  # the server releases the lock with the session
        self._conn = None
        self._held = False


def _connection_errors() -> tuple[type[BaseException], ...]:
    """What a lost or refused connection raises: psycopg's errors and the OS's."""
    import psycopg

    return (psycopg.Error, OSError)
