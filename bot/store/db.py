"""One SQLite file through sqlite-utils: the shared connection, its lock, the clock, and claims.

The store keeps one connection for every thread (Bolt runs listeners in a thread pool) and
serialises its use with a lock. Several processes may share the file as well: the writes that must
happen once (claims, first answers, posting a scheduled quiz) are single statements guarded by
UNIQUE constraints, so SQLite itself decides who wins.

Timestamps are stored as ISO-8601 UTC text of fixed width, so they sort and compare as text.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.clock import Clock, as_utc
from bot.store.migrations import migrations

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


class StoreError(Exception):
    """The database file cannot be opened or is not an ofin database."""


class Db:
    """The open database: every repository reads and writes through it."""

    def __init__(self, path: str | Path, *, clock: Clock) -> None:
        """Open (creating if needed) the database at ``path`` and apply pending migrations.

        Raise StoreError, with the reason, when the path cannot hold a database.
        """
        self.path = Path(path)
        self.clock = clock
        self.lock = threading.RLock()
        self._claims_since_prune = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
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
                with self.write():
                    migrations.apply(self.database)
        except (sqlite3.Error, OSError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise StoreError(f"cannot open the database at {self.path}: {reason}") from exc

    @contextmanager
    def write(self) -> Iterator[Database]:
        """Hold the lock and an immediate (write-locked) transaction for a read-modify-write."""
        with self.lock:
            self.database.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.database
            except BaseException:
                if self.database.conn.in_transaction:
                    self.database.conn.execute("ROLLBACK")
                raise
            else:
                self.database.conn.execute("COMMIT")

    def now(self) -> str:
        """The clock's current instant, as stored text."""
        return ts(self.clock.now())

    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query as dicts."""
        with self.lock:
            return list(self.database.query(sql, params))

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one writing statement; return how many rows it changed."""
        with self.lock:
            return int(self.database.execute(sql, params).rowcount)

    def insert_or_ignore(self, sql: str, params: Params = ()) -> int | None:
        """Run one INSERT OR IGNORE; the new row's id, or None when a constraint refused it."""
        with self.lock:
            cursor = self.database.execute(sql, params)
            return cursor.lastrowid if cursor.rowcount == 1 else None

    def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> int:
        """Run one statement for each row in a single transaction; return the rows changed."""
        with self.write() as db:
            before = db.conn.total_changes
            db.conn.executemany(sql, rows)
            return db.conn.total_changes - before

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.database.close()

    def applied_migrations(self) -> list[str]:
        """The names of the migrations applied to this file, in order."""
        with self.lock:
            return [m.name for m in migrations.applied(self.database)]

    # --- idempotency ------------------------------------------------------------------------

    def claim(self, key: str) -> bool:
        """Return True the first time ``key`` is claimed (by any thread or process), else False.

        Claims only guard against redeliveries and double clicks, which come within minutes, so
        claims older than CLAIM_TTL are pruned now and then: the table does not grow forever.
        """
        with self.lock:
            cursor = self.database.execute(
                "INSERT OR IGNORE INTO claims (key, claimed_at) VALUES (?, ?)", [key, self.now()]
            )
            self._claims_since_prune += 1
            if self._claims_since_prune >= CLAIMS_PER_PRUNE:
                self.prune_claims()
            return bool(cursor.rowcount == 1)

    def prune_claims(self, older_than: timedelta = CLAIM_TTL) -> int:
        """Delete claims older than ``older_than``; return how many were deleted."""
        cutoff = ts(self.clock.now() - older_than)
        with self.lock:
            self._claims_since_prune = 0
            cursor = self.database.execute("DELETE FROM claims WHERE claimed_at < ?", [cutoff])
            return int(cursor.rowcount)
