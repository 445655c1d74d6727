"""PostgreSQL for several workers: the same repositories, exactly-once writes, one leader.

``OFIN_DATABASE_URL=postgresql://…`` opens ``PgDb``: the ``Db`` seam of bot/store/db.py on
psycopg 3, so every repository runs its one SQL text (rewritten by bot/store/dialect.py) on
either engine. What SQLite guaranteed by being one file, PostgreSQL guarantees this way:

- exactly once (claims, first answers, one answer per person, daily slots, digests, reminders):
  the same unique constraints as SQLite's (the schema is derived from the migrations,
  bot/store/pg_schema.py) and ``INSERT … ON CONFLICT DO NOTHING``: one statement decides;
- one writer at a time in ``write()`` (a read-modify-write such as "post unless one was posted
  since"): SQLite's ``BEGIN IMMEDIATE`` becomes a transaction that first takes one
  transaction-level advisory lock (``WRITE_LOCK``), so the check and the write cannot interleave
  with another worker's; single statements need no lock;
- ``PgLeader``: among workers that share the database, exactly one runs the schedulers. It holds
  a session-level advisory lock on a connection of its own; the lock dies with that connection,
  so when the leader's process dies (even ``kill -9``) the server releases it and the next worker
  that asks takes over. Why a lock and not ``SKIP LOCKED`` on a jobs table: the schedulers are a
  handful of periodic passes whose writes are already claims, not a queue of jobs; one leader at
  a time is all they need, and a lock needs no table, no lease and no clock.

Each worker keeps a few connections (``CONNECTIONS``), opened as its threads need them and
reused. A lost connection makes writes raise ``StoreUnavailable`` (people hear "Sorry",
/readyz says why); the worker's idle connections are dropped with it (a restart or failover
ended them too), and the next statement opens a new one.
psycopg is imported only here, and only when a PostgreSQL URL is used.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.ops.metrics import timed_write
from bot.store.db import (
    Cursor,
    Db,
    Params,
    StoreError,
    StoreUnavailable,
    Tx,
    in_background,
)
from bot.store.dialect import UPDATE_OR_IGNORE, to_postgres
from bot.store.pg_conn import connect, connection_errors, redact
from bot.store.pg_migrate import apply_schema

logger = logging.getLogger(__name__)

#: pg_try_advisory_lock's key for "the scheduler leader" (any constant unique to ofin).
LEADER_LOCK = 0x0F1_5C4ED
#: pg_advisory_xact_lock's key held by every ``write()`` transaction: one writer at a time.
WRITE_LOCK = 0x0F1_5C4EB
#: Connections each worker opens at most: its request, write and Slack threads run statements
#: side by side (the write transactions still take WRITE_LOCK, one at a time across workers).
CONNECTIONS = 6
#: Of those, how many background work may hold at once (the schedulers' passes and the clicks'
#: follow-ups, bot/store/db.py's ``background``): the others stay free for the requests' reads
#: and the write pool's writes. The leader's 150 scheduler threads (50 workspaces, before one
#: scheduler loop ran them all) held all the connections between them, and each click's ack
#: waited for one (seconds at p99).
BACKGROUND_CONNECTIONS = 3
#: Seconds a worker trusts its last answer to "do I lead the schedulers?": every scheduler thread
#: asks before each pass (with OAuth installs, the one scheduler loop before each sweep), and
#: each answer is one or two round trips on one connection.
LEADER_RECHECK = 1.0
#: Where files beside the database go (reports the console writes), as SQLite's folder would.
LOCAL_FOLDER = Path("data")


class _Done:
    """The cursor of a statement run in pieces: only how many rows it changed."""

    def __init__(self, rowcount: int) -> None:
        self.rowcount = rowcount

    def fetchone(self) -> Any:
        return None

    def fetchall(self) -> list[Any]:
        return []


class _PgTx(Tx):
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        ignoring = UPDATE_OR_IGNORE.match(sql)
        if ignoring:
            table, sets, where = ignoring.groups()
            return self._update_or_ignore(table, sets, where, params)
        cursor: Cursor = self.conn.execute(to_postgres(sql), params)
        return cursor

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        cursor = self.conn.cursor()
        cursor.executemany(to_postgres(sql), rows)
        return int(cursor.rowcount)

    def insert_id(self, sql: str, params: Params = ()) -> int | None:
        row = self.conn.execute(to_postgres(sql + " RETURNING id"), params).fetchone()
        return None if row is None else int(row[0])

    def _update_or_ignore(self, table: str, sets: str, where: str, params: Params) -> Cursor:
        """SQLite's UPDATE OR IGNORE: each row changes unless a unique constraint refuses it."""
        import psycopg

        values = list(params)  # positional only: SET's parameters, then WHERE's
        set_values, where_values = values[: sets.count("?")], values[sets.count("?") :]
        found = self.conn.execute(
            to_postgres(f"SELECT ctid FROM {table} WHERE {where}"), where_values
        ).fetchall()
        changed = 0
        for (ctid,) in found:
            try:
                with self.conn.transaction():  # a savepoint: a refused row undoes itself only
                    changed += self.conn.execute(
                        to_postgres(f"UPDATE {table} SET {sets} WHERE ctid = ?"),
                        [*set_values, ctid],
                    ).rowcount
            except psycopg.errors.UniqueViolation:
                continue
        return _Done(changed)


class PgDb(Db):
    """ofin's database on a PostgreSQL server: the seam every repository uses, on psycopg."""

    engine = "postgresql"

    def __init__(self, url: str, *, clock: Clock) -> None:
        """Connect to ``url`` and create ofin's schema there if it is not yet.

        Raise StoreError, with the reason, when the server cannot be reached or the schema made.
        """
        self.url = url
        self.path = LOCAL_FOLDER / "postgresql"
        self.clock = clock
        self.lock = threading.RLock()
        self._claims_since_prune = 0
        self._failure: str | None = None
        self._idle: list[Any] = []  # open connections no thread is using
        self._slots = threading.BoundedSemaphore(CONNECTIONS)
        self._background = threading.BoundedSemaphore(BACKGROUND_CONNECTIONS)
        self._holding = threading.local()  # whether this thread holds a background slot
        self._pool = threading.Lock()
        self.leader = PgLeader(url, recheck=LEADER_RECHECK)
        try:
            self._migrations = apply_schema(url)
            self._idle.append(connect(url))
        except connection_errors() as exc:
            raise StoreError(
                f"cannot open the PostgreSQL database at {redact(url)}: {_reason(exc)}"
            ) from exc

    # --- the connection ---------------------------------------------------------------------

    def _checkout(self) -> Any:
        """An idle connection, or a new one; StoreUnavailable when the server cannot be reached."""
        with self._pool:
            while self._idle:
                conn = self._idle.pop()
                if not (conn.closed or conn.broken):
                    return conn
                conn.close()
        try:
            return connect(self.url)
        except connection_errors() as exc:
            self._unavailable(f"cannot be reached ({_reason(exc)})", exc)

    def _drop_idle(self) -> None:
        """Close every idle connection: when one was lost (a restart, a failover), so were they."""
        with self._pool:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    @contextmanager
    def _using(self, *, writing: bool) -> Iterator[Any]:
        """A connection of this worker's pool; a lost server or a full disk raise
        StoreUnavailable. Up to CONNECTIONS threads run statements at once: one connection
        serialised every thread's reads behind the others' writes (seconds at p99 in the soak)."""
        import psycopg

        with self._lane(), self._slots:
            conn = self._checkout()
            try:
                if writing:
                    with timed_write():
                        yield conn
                else:
                    yield conn
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                conn.close()
                self._drop_idle()
                self._unavailable(f"cannot take writes ({_reason(exc)})", exc)
            finally:
                if not (conn.closed or conn.broken):
                    with self._pool:
                        self._idle.append(conn)
            if self._failure:
                logger.warning("the PostgreSQL database at %s answers again", redact(self.url))
                self._failure = None

    @contextmanager
    def _lane(self) -> Iterator[None]:
        """Background work waits for one of BACKGROUND_CONNECTIONS slots first; a request's
        statements do not (a thread already holding one does not take a second)."""
        if not in_background() or getattr(self._holding, "slot", False):
            yield
            return
        with self._background:
            self._holding.slot = True
            try:
                yield
            finally:
                self._holding.slot = False

    def _unavailable(self, reason: str, exc: BaseException | None = None) -> None:
        message = f"the PostgreSQL database at {redact(self.url)} {reason}"
        if self._failure != message:
            self._failure = message
            logger.error(
                "%s: nothing is stored and people are told 'Sorry' until it is fixed", message
            )
        raise StoreUnavailable(message) from exc

    # --- the seam ---------------------------------------------------------------------------

    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query as dicts."""
        from psycopg.rows import dict_row

        with self._using(writing=False) as conn:
            cursor = conn.cursor(row_factory=dict_row)
            cursor.execute(to_postgres(sql), params)
            return list(cursor.fetchall())

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one writing statement; return how many rows it changed."""
        if UPDATE_OR_IGNORE.match(sql):
            with self.write() as tx:
                return tx.execute(sql, params).rowcount
        with self._using(writing=True) as conn:
            return int(conn.execute(to_postgres(sql), params).rowcount)

    def insert_id(self, sql: str, params: Params = ()) -> int | None:
        """Run one INSERT (OR IGNORE); the new row's id, or None when a constraint refused it."""
        with self._using(writing=True) as conn:
            return _PgTx(conn).insert_id(sql, params)

    def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> int:
        """Run one statement for each row in a single transaction; return the rows changed."""
        with self.write() as tx:
            return tx.executemany(sql, rows)

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A transaction holding the write lock: one read-modify-write at a time, everywhere."""
        with self._using(writing=True) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
            yield _PgTx(conn)

    def problem(self) -> str | None:
        """Why the database cannot take writes now (for /readyz), or None when it can."""
        try:
            with self._using(writing=False) as conn, conn.transaction(force_rollback=True):
                conn.execute("SET LOCAL lock_timeout = '200ms'")
                conn.execute(  # a key of its own: workers' probes never wait for each other
                    "INSERT INTO claims (key, claimed_at) "
                    "VALUES ('ofin:probe:' || pg_backend_pid(), '') ON CONFLICT DO NOTHING"
                )
        except StoreUnavailable as exc:
            return str(exc)
        except connection_errors() as exc:
            return f"the PostgreSQL database at {redact(self.url)} refused a write ({exc})"
        return None

    def applied_migrations(self) -> list[str]:
        """The names of the migrations the database's schema includes, in order."""
        return [r["name"] for r in self.rows("SELECT name FROM schema_migrations ORDER BY name")]

    def leads_schedules(self) -> bool:
        """Whether this worker holds the scheduler lead (taken when free, e.g. its holder died)."""
        return self.leader.is_leader()

    def close(self) -> None:
        """Give up the scheduler lead and close the connection."""
        self.leader.resign()
        self._drop_idle()


def _reason(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


class PgLeader:
    """One scheduler leader among the workers sharing a database (an advisory lock).

    ``recheck``: for that many seconds after asking the server, the answer is given again
    without asking (0: ask at every call).
    """

    def __init__(self, url: str, lock: int = LEADER_LOCK, *, recheck: float = 0.0) -> None:
        self._url = url
        self._lock = lock
        self._recheck = recheck
        self._conn: Any = None
        self._held = False
        self._asked_at: float | None = None  # monotonic time of the last answer from the server
        self._mutex = threading.Lock()

    def is_leader(self) -> bool:
        """True while this worker holds the lock; tries to take it when it does not.

        Called before each scheduler pass: a worker whose lock connection broke stops leading
        at its next check, and a worker whose leader died takes over at its next check (each at
        most ``recheck`` seconds after the last; the passes' writes are claims, so a moment of
        two leaders does nothing twice).
        """
        with self._mutex:
            now = time.monotonic()
            if self._asked_at is not None and now - self._asked_at < self._recheck:
                return self._held
            self._asked_at = now
            if self._conn is not None and not self._alive():
                self._drop()
            if self._conn is None:
                try:
                    self._conn = connect(self._url)
                except connection_errors() as exc:  # unreachable: nobody leads from here
                    logger.warning("cannot reach the database to take the scheduler lead: %s", exc)
                    return False
            if self._held:
                return True
            try:
                row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", [self._lock])
                self._held = bool(row.fetchone()[0])
            except connection_errors() as exc:  # lost between the check and the ask
                logger.warning("cannot ask for the scheduler lead: %s", exc)
                self._drop()
                return False
            if self._held:
                logger.info("this worker now runs the schedulers")
            return self._held

    def resign(self) -> None:
        """Give the lead up (at shutdown), so another worker takes it at its next pass."""
        with self._mutex:
            self._asked_at = None
            if self._held and self._alive():
                # Unlocked here, not left to the session's end: a closed connection's server
                # process may take a moment to exit and release it.
                self._conn.execute("SELECT pg_advisory_unlock(%s)", [self._lock])
            self._drop()

    def _alive(self) -> bool:
        try:
            self._conn.execute("SELECT 1")
            return True
        except connection_errors():
            return False

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()  # the server releases the lock with the session
        self._conn = None
        self._held = False
