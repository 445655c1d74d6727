"""The database every repository reads and writes through: one seam, two engines.

``Db`` is what the repositories see: ``rows`` (a query's rows as dicts), ``execute`` (one
writing statement), ``insert_id`` (an insert that may be refused; the new row's id),
``execute_many`` and ``write()`` (a read-modify-write transaction, one writer at a time). Its
SQL is SQLite's text. bot/store/engines.py's ``open_db`` chooses the engine: a path opens
``SqliteDb`` (here, the default); a ``postgresql://`` URL opens ``PgDb``
(bot/store/postgres.py), which rewrites each statement with bot/store/dialect.py. Claims are
written once, here, for both.

One SQLite file through sqlite-utils: the shared connection, its lock, the clock, and claims.

The store keeps one connection for every thread (Bolt runs listeners in a thread pool) and
serialises its use with a lock. Several processes may share the file as well: the writes that must
happen once (claims, first answers, posting a scheduled quiz) are single statements guarded by
UNIQUE constraints, so SQLite itself decides who wins.

Timestamps are stored as ISO-8601 UTC text of fixed width, so they sort and compare as text.

The file can go from under a running bot: deleted (SQLite keeps writing to the unlinked inode,
and everything is lost at the next start), replaced, made read-only, or its disk full. Every
write first checks that the path still names the file opened and that it is writable (one
``stat`` and one ``access``, a few microseconds), and a write SQLite refuses for one of those
reasons raises ``StoreUnavailable`` too: the caller tells the person "Sorry" instead of
confirming what was not stored, and the log gets one line per new reason, not a traceback per
write. ``problem()`` says the same for /readyz.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

from sqlite_utils import Database

from bot.clock import Clock, as_utc
from bot.ops.metrics import timed_write
from bot.store.migrations import migrations

logger = logging.getLogger(__name__)

CLAIM_TTL = timedelta(days=7)
CLAIMS_PER_PRUNE = 1000

#: Parameters of one statement: positional or named.
Params = Sequence[Any] | dict[str, Any]


def ts(when: datetime) -> str:
    """Format an instant the way the store keeps it: fixed-width ISO-8601 in UTC."""
    return as_utc(when).isoformat(timespec="microseconds")


def parse_ts(text: str | None) -> datetime | None:
    """Read a stored timestamp back (None stays None)."""
    return datetime.fromisoformat(text) if text else None


def parse_required_ts(text: str) -> datetime:
    """Read a timestamp from a NOT NULL column."""
    return datetime.fromisoformat(text)


_thread = threading.local()


@contextmanager
def background() -> Iterator[None]:
    """Run the block as background work (a scheduler's pass, a click's follow-up).

    SQLite has one connection for everyone. On PostgreSQL a worker's background statements share
    at most a few of its connections (bot/store/postgres.py), so however much background work
    runs, a request's statements (a click's authorization and write, before its ack) find one.
    """
    was = getattr(_thread, "background", False)
    _thread.background = True
    try:
        yield
    finally:
        _thread.background = was


def in_background() -> bool:
    """Whether the calling thread runs background work now (see ``background``)."""
    return bool(getattr(_thread, "background", False))


class StoreError(Exception):
    """The database file cannot be opened or is not an ofin database."""


class StoreUnavailable(StoreError):
    """The database cannot take writes now (gone, replaced, read-only, full); already logged."""


# SQLite's words for a write it refused because of the file or the disk, not the statement.
_UNAVAILABLE = {
    "readonly": "is read-only",
    "read-only": "is read-only",
    "database or disk is full": "is on a full disk",
    "disk i/o error": "cannot be written (disk I/O error)",
    "unable to open database file": "cannot be opened",
}


class Cursor(Protocol):
    """What a statement inside ``write()`` returns: rows as tuples, and how many it changed."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Tx(ABC):
    """One write transaction (``Db.write()``): its statements commit together or not at all."""

    @abstractmethod
    def execute(self, sql: str, params: Params = ()) -> Cursor:
        """Run one statement (SQLite's text) in the transaction."""

    @abstractmethod
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run one statement for each row; return the rows changed."""

    @abstractmethod
    def insert_id(self, sql: str, params: Params = ()) -> int | None:
        """Run an INSERT (OR IGNORE) into a table with an ``id``; its id, or None if refused."""


class Db(ABC):
    """The open database: every repository reads and writes through it, on either engine."""

    engine: Literal["sqlite", "postgresql"]
    path: Path  # the SQLite file; on PostgreSQL, the folder files beside the database go in
    clock: Clock
    lock: threading.RLock
    _claims_since_prune: int = 0

    def now(self) -> str:
        """The clock's current instant, as stored text."""
        return ts(self.clock.now())

    @abstractmethod
    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query as dicts."""

    @abstractmethod
    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one writing statement; return how many rows it changed."""

    @abstractmethod
    def insert_id(self, sql: str, params: Params = ()) -> int | None:
        """Run one INSERT (OR IGNORE); the new row's id, or None when a constraint refused it."""

    @abstractmethod
    def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> int:
        """Run one statement for each row in a single transaction; return the rows changed."""

    @abstractmethod
    def write(self) -> AbstractContextManager[Tx]:
        """A read-modify-write transaction; one writer at a time, across processes too."""

    @abstractmethod
    def problem(self) -> str | None:
        """Why the database cannot take writes now (for /readyz), or None when it can."""

    @abstractmethod
    def applied_migrations(self) -> list[str]:
        """The names of the migrations the database has, in order."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    def leads_schedules(self) -> bool:
        """Whether this process runs the schedulers (always, unless workers share PostgreSQL)."""
        return True

    # --- idempotency ------------------------------------------------------------------------

    def claim(self, key: str) -> bool:
        """Return True the first time ``key`` is claimed (by any thread or process), else False.

        Claims only guard against redeliveries and double clicks, which come within minutes, so
        claims older than CLAIM_TTL are pruned now and then: the table does not grow forever.
        """
        won = self.execute(
            "INSERT OR IGNORE INTO claims (key, claimed_at) VALUES (?, ?)", [key, self.now()]
        )
        with self.lock:
            self._claims_since_prune += 1
            prune = self._claims_since_prune >= CLAIMS_PER_PRUNE
            if prune:
                self._claims_since_prune = 0
        if prune:
            self.prune_claims()
        return won == 1

    def prune_claims(self, older_than: timedelta = CLAIM_TTL) -> int:
        """Delete claims older than ``older_than``; return how many were deleted."""
        cutoff = ts(self.clock.now() - older_than)
        with self.lock:
            self._claims_since_prune = 0
        return self.execute("DELETE FROM claims WHERE claimed_at < ?", [cutoff])


class _SqliteTx(Tx):
    def __init__(self, database: Database) -> None:
        self.database = database

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        return self.database.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        before = self.database.conn.total_changes
        self.database.conn.executemany(sql, rows)
        return self.database.conn.total_changes - before

    def insert_id(self, sql: str, params: Params = ()) -> int | None:
        cursor = self.database.conn.execute(sql, params)
        return cursor.lastrowid if cursor.rowcount == 1 else None


class SqliteDb(Db):
    """One SQLite file: a connection shared by every thread, serialised by a lock."""

    engine = "sqlite"

    def __init__(self, path: str | Path, *, clock: Clock) -> None:
        """Open (creating if needed) the database at ``path`` and apply pending migrations.

        Raise StoreError, with the reason, when the path cannot hold a database.
        """
        self.path = Path(path)
        self.clock = clock
        self.lock = threading.RLock()
        self._claims_since_prune = 0
        self._identity: tuple[int, int] | None = None
        self._failure: str | None = None  # why writes fail, once logged
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not _writable(self.path):
                raise StoreError(f"cannot open the database at {self.path}: it is read-only")
            # One connection shared by every thread, serialised by the lock; the timeout waits
            # for other processes holding the write lock instead of failing at once.
            conn = sqlite3.connect(str(self.path), timeout=30.0, check_same_thread=False)
            self.database = Database(conn)
            with self.lock:
                self.database.enable_wal()
                # In WAL mode NORMAL commits to the log without an fsync per transaction: a commit
                # survives the process being killed (measured in `make soak`), and only a power
                # cut or an OS crash can lose the last moments. FULL cost 4.4 ms per commit here,
                # which capped clicks at about 115/s (each click writes twice).
                self.database.execute("PRAGMA synchronous=NORMAL")
                self.database.execute("PRAGMA foreign_keys=ON")
                self._identity = _identity(self.path)
                # A migration that rebuilds tables journals each rebuild in a temporary file;
                # kept in memory, a nearly full disk still takes the upgrade.
                self.database.execute("PRAGMA temp_store=MEMORY")
                with self.write():
                    migrations.apply(self.database)
                self.database.execute("PRAGMA temp_store=DEFAULT")
                # A read-only file opens, and even migrates when nothing is pending: find out
                # now, not at the first person's click.
                self._probe()
        except (sqlite3.Error, OSError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            if "readonly" in reason.replace("-", ""):
                reason = "it is read-only"
            raise StoreError(f"cannot open the database at {self.path}: {reason}") from exc

    def problem(self) -> str | None:
        """Why the database cannot take writes now (for /readyz), or None when it can.

        A full disk is reported until a real write succeeds again: the probe's row is too small
        to need a new page.
        """
        try:
            self._guard()
            try:
                self._probe(wait_ms=200)  # /readyz must answer, even while another writes
            except sqlite3.OperationalError as exc:
                self._refused(exc)
                raise
        except StoreUnavailable as exc:
            return str(exc)
        except sqlite3.Error as exc:
            if "locked" in str(exc):  # another process is writing: busy, not broken
                return self._failure
            return f"the database at {self.path} cannot be written ({exc})"
        if self._failure and "full disk" not in self._failure:
            self._recovered()
        return self._failure

    def _probe(self, wait_ms: int = 30_000) -> None:
        """Write a row and roll it back; sqlite3.Error when the file cannot take it."""
        with self.lock:
            conn = self.database.conn
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO claims (key, claimed_at) VALUES ('ofin:probe', '')")
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                conn.execute("PRAGMA busy_timeout = 30000")  # sqlite3.connect's timeout=30.0

    def _guard(self) -> None:
        """Raise StoreUnavailable unless the path still names the writable file we opened."""
        identity = _identity(self.path)
        if identity is None:
            self._unavailable("is gone (deleted or moved)")
        elif identity != self._identity:
            self._unavailable("was replaced by another file")
        elif not os.access(self.path, os.W_OK):
            self._unavailable("is read-only")

    def _refused(self, exc: sqlite3.OperationalError) -> None:
        """Raise StoreUnavailable when SQLite refused a write because of the file or the disk."""
        text = str(exc).lower()
        for words, reason in _UNAVAILABLE.items():
            if words in text:
                self._unavailable(reason, exc)

    def _unavailable(self, reason: str, exc: BaseException | None = None) -> None:
        message = f"the database at {self.path} {reason}"
        if self._failure != message:
            self._failure = message
            logger.error(
                "%s: nothing is stored and people are told 'Sorry' until it is fixed "
                "(restart ofin if the file was deleted or replaced)",
                message,
            )
        raise StoreUnavailable(message) from exc

    def _recovered(self) -> None:
        if self._failure:
            logger.warning("the database at %s takes writes again", self.path)
            self._failure = None

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Guard one write: check the file first, name SQLite's refusals, time it (metrics)."""
        self._guard()
        try:
            with timed_write():
                yield
        except sqlite3.OperationalError as exc:
            self._refused(exc)
            raise
        if self._failure:
            self._recovered()

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """Hold the lock and an immediate (write-locked) transaction for a read-modify-write."""
        with self.lock, self._writing():
            self.database.conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(self.database)
            except BaseException:
                if self.database.conn.in_transaction:
                    self.database.conn.execute("ROLLBACK")
                raise
            else:
                self.database.conn.execute("COMMIT")

    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query as dicts."""
        with self.lock:
            return list(self.database.query(sql, params))

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one writing statement; return how many rows it changed."""
        with self.lock, self._writing():
            return int(self.database.execute(sql, params).rowcount)

    def insert_id(self, sql: str, params: Params = ()) -> int | None:
        """Run one INSERT (OR IGNORE); the new row's id, or None when a constraint refused it."""
        with self.lock, self._writing():
            cursor = self.database.execute(sql, params)
            return cursor.lastrowid if cursor.rowcount == 1 else None

    def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> int:
        """Run one statement for each row in a single transaction; return the rows changed."""
        with self.write() as tx:
            return tx.executemany(sql, rows)

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.database.close()

    def applied_migrations(self) -> list[str]:
        """The names of the migrations applied to this file, in order."""
        with self.lock:
            return [m.name for m in migrations.applied(self.database)]


def _identity(path: Path) -> tuple[int, int] | None:
    """The file's device and inode, or None when there is no file at ``path``."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _writable(path: Path) -> bool:
    """Whether SQLite could write ``path`` and its journal files beside it (a mount, a mode)."""
    folder_ok = os.access(path.parent, os.W_OK)
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))
