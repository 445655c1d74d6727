"""SQLite storage through sqlite-utils: the schema as named migrations, thread-safe access.

One ``Store`` wraps one SQLite file (WAL mode). Its schema is a list of named migrations
(``sqlite_utils.Migrations``), applied when the store opens, so opening an old file upgrades it and
opening a current one changes nothing. To change the schema, add a new ``mNNN_...`` function at the
end of the list; never edit one that has shipped.

Every public method is safe to call from several threads (Bolt runs listeners in a thread pool):
the store keeps one connection and serialises its use with a lock. Several processes may share the
file as well: the writes that must happen once (claims, first answers, posting a scheduled quiz)
are single statements guarded by UNIQUE constraints, so SQLite itself decides who wins.

Timestamps are stored as ISO-8601 UTC text of fixed width, so they sort and compare as text.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database, Migrations

from bot.clock import Clock, SystemClock, as_utc

migrations = Migrations("ofin")


def ts(when: datetime) -> str:
    """Format an instant the way the store keeps it: fixed-width ISO-8601 in UTC."""
    return as_utc(when).isoformat(timespec="microseconds")


def normalize_question(text: str) -> str:
    """Fold a question so that trivially different spellings count as one (case, spaces, '?')."""
    return " ".join(text.lower().split()).rstrip(" ?!.")


# --- Migrations: append only. ---------------------------------------------------------------


@migrations()
def m001_create_claims(db: Database) -> None:
    """Idempotency keys: a row exists once a key has been claimed."""
    db["claims"].create({"key": str, "claimed_at": str}, pk="key", not_null={"claimed_at"})


@migrations()
def m002_create_feedback(db: Database) -> None:
    """Thumbs up/down on answers: one vote per (user, question, item), the latest wins."""
    db["feedback"].create(
        {
            "user_id": str,
            "question": str,
            "item_key": str,  # the item id, or "" when the answer had no item
            "item_id": str,
            "helpful": int,
            "created_at": str,
            "updated_at": str,
        },
        pk=("user_id", "question", "item_key"),
        not_null={"helpful", "created_at", "updated_at"},
    )


@migrations()
def m003_create_declined(db: Database) -> None:
    """Questions the bot declined to answer, for curators."""
    db["declined"].create(
        {
            "id": int,
            "question": str,
            "normalized": str,
            "user_id": str,
            "channel_id": str,
            "asked_at": str,
        },
        pk="id",
        not_null={"question", "normalized", "asked_at"},
    )
    db["declined"].create_index(["normalized"])
    db["declined"].create_index(["user_id"])


@migrations()
def m004_create_users(db: Database) -> None:
    """People the bot has met: their workspace and time zone (for schedules and week starts)."""
    db["users"].create(
        {"user_id": str, "team_id": str, "tz": str, "first_seen": str, "last_seen": str},
        pk="user_id",
        not_null={"first_seen", "last_seen"},
    )


# --- The store. -----------------------------------------------------------------------------


class Store:
    """The bot's SQLite database: claims, feedback, declined questions, users and quizzes."""

    def __init__(self, path: str | Path, *, clock: Clock | None = None):
        """Open (creating if needed) the database at ``path`` and apply pending migrations."""
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        # One connection shared by every thread, serialised by the lock; the timeout waits for
        # other processes holding the write lock instead of failing at once.
        conn = sqlite3.connect(str(self.path), timeout=30.0, check_same_thread=False)
        self.db = Database(conn)
        with self._lock:
            self.db.enable_wal()
            self.db.execute("PRAGMA foreign_keys=ON")
            with self._write():
                migrations.apply(self.db)

    # --- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Database]:
        """Hold the lock and an immediate (write-locked) transaction for a read-modify-write."""
        with self._lock:
            self.db.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                if self.db.conn.in_transaction:
                    self.db.conn.execute("ROLLBACK")
                raise
            else:
                self.db.conn.execute("COMMIT")

    def _now(self) -> str:
        return ts(self.clock.now())

    def _rows(self, sql: str, params: list | tuple | dict = ()) -> list[dict]:
        with self._lock:
            return list(self.db.query(sql, params))

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self.db.close()

    def applied_migrations(self) -> list[str]:
        """The names of the migrations applied to this file, in order."""
        with self._lock:
            return [m.name for m in migrations.applied(self.db)]

    # --- idempotency ------------------------------------------------------------------------

    def claim(self, key: str) -> bool:
        """Return True the first time ``key`` is claimed (by any thread or process), else False."""
        with self._lock:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO claims (key, claimed_at) VALUES (?, ?)", [key, self._now()]
            )
            return cursor.rowcount == 1

    # --- feedback and declined questions ----------------------------------------------------

    def record_feedback(
        self, *, user_id: str, question: str, item_id: str | None, helpful: bool
    ) -> None:
        """Store a thumbs up/down; a new vote on one (user, question, item) replaces the old."""
        now = self._now()
        with self._lock:
            self.db.execute(
                """
                INSERT INTO feedback
                    (user_id, question, item_key, item_id, helpful, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (user_id, question, item_key)
                DO UPDATE SET helpful = excluded.helpful, updated_at = excluded.updated_at
                """,
                [user_id, question, item_id or "", item_id, int(helpful), now, now],
            )

    def feedback_for(self, *, user_id: str, question: str, item_id: str | None) -> bool | None:
        """The user's current vote on this answer: True, False, or None when there is none."""
        rows = self._rows(
            "SELECT helpful FROM feedback WHERE user_id = ? AND question = ? AND item_key = ?",
            [user_id, question, item_id or ""],
        )
        return bool(rows[0]["helpful"]) if rows else None

    def feedback_counts(self, item_id: str | None = None) -> tuple[int, int]:
        """(helpful, unhelpful) vote counts, for one item or overall."""
        where, params = ("WHERE item_key = ?", [item_id]) if item_id is not None else ("", [])
        row = self._rows(
            f"SELECT COALESCE(SUM(helpful), 0) AS up, COALESCE(SUM(1 - helpful), 0) AS down "
            f"FROM feedback {where}",
            params,
        )[0]
        return int(row["up"]), int(row["down"])

    def record_declined(
        self, *, question: str, user_id: str | None, channel_id: str | None
    ) -> None:
        """Log a question the bot declined to answer."""
        with self._lock:
            self.db["declined"].insert(
                {
                    "question": question.strip(),
                    "normalized": normalize_question(question),
                    "user_id": user_id,
                    "channel_id": channel_id,
                    "asked_at": self._now(),
                }
            )

    def top_declined(self, limit: int = 10) -> list[tuple[str, int]]:
        """The most often declined questions as (question, count), most first, ties newest first."""
        rows = self._rows(
            """
            SELECT normalized, COUNT(*) AS n, MAX(asked_at) AS last_asked,
                   (SELECT d2.question FROM declined d2 WHERE d2.normalized = d.normalized
                    ORDER BY d2.id DESC LIMIT 1) AS question
            FROM declined d
            GROUP BY normalized
            ORDER BY n DESC, last_asked DESC
            LIMIT ?
            """,
            [max(0, limit)],
        )
        return [(row["question"], int(row["n"])) for row in rows]

    # --- users ------------------------------------------------------------------------------

    def touch_user(
        self, user_id: str, *, team_id: str | None = None, tz: str | None = None
    ) -> None:
        """Remember that we met ``user_id`` (and their workspace and time zone, when known)."""
        now = self._now()
        with self._lock:
            self.db.execute(
                """
                INSERT INTO users (user_id, team_id, tz, first_seen, last_seen)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET
                    team_id = COALESCE(excluded.team_id, users.team_id),
                    tz = COALESCE(excluded.tz, users.tz),
                    last_seen = excluded.last_seen
                """,
                [user_id, team_id, tz, now, now],
            )

    def user(self, user_id: str) -> dict | None:
        """The stored record of ``user_id``, or None."""
        rows = self._rows("SELECT * FROM users WHERE user_id = ?", [user_id])
        return rows[0] if rows else None

    # --- privacy ----------------------------------------------------------------------------

    #: (table, column) pairs holding a user id; forget_user deletes the matching rows.
    USER_COLUMNS: tuple[tuple[str, str], ...] = (
        ("feedback", "user_id"),
        ("declined", "user_id"),
        ("users", "user_id"),
    )

    def forget_user(self, user_id: str) -> int:
        """Delete every row about ``user_id``; return how many rows were deleted."""
        deleted = 0
        with self._write() as db:
            for table, column in self.USER_COLUMNS:
                if db[table].exists():
                    cursor = db.conn.execute(
                        f"DELETE FROM [{table}] WHERE [{column}] = ?", [user_id]
                    )
                    deleted += cursor.rowcount
        return deleted
