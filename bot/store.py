"""SQLite storage through sqlite-utils: the schema as named migrations, thread-safe access.

One ``Store`` wraps one SQLite file (WAL mode). Its schema is the list of named migrations in
bot/migrations.py, applied when the store opens, so opening an old file upgrades it and opening a
current one changes nothing.

Every public method is safe to call from several threads (Bolt runs listeners in a thread pool):
the store keeps one connection and serialises its use with a lock. Several processes may share the
file as well: the writes that must happen once (claims, first answers, posting a scheduled quiz)
are single statements guarded by UNIQUE constraints, so SQLite itself decides who wins.

Timestamps are stored as ISO-8601 UTC text of fixed width, so they sort and compare as text.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from bot.clock import Clock, as_utc
from bot.clock import from_env as clock_from_env
from bot.migrations import migrations

CLAIM_TTL = timedelta(days=7)
REPORT_INDEX = "idx_answers_report"  # migration m013; the report reads answers through it
MAX_LOGGED_QUESTION = 500  # characters of a declined question kept for curators
CLAIMS_PER_PRUNE = 1000


def ts(when: datetime) -> str:
    """Format an instant the way the store keeps it: fixed-width ISO-8601 in UTC."""
    return as_utc(when).isoformat(timespec="microseconds")


def parse_ts(text: str | None) -> datetime | None:
    """Read a stored timestamp back (None stays None)."""
    return datetime.fromisoformat(text) if text else None


def normalize_question(text: str) -> str:
    """Fold a question so that trivially different spellings count as one (case, spaces, '?')."""
    return " ".join(text.lower().split()).rstrip(" ?!.")


# --- Records. -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizPost:
    """A daily quiz post in a channel."""

    id: int
    channel_id: str
    team_id: str | None
    kind: str
    slot: str | None
    question_id: str
    item_id: str | None
    category: str | None
    status: str
    message_ts: str | None
    created_at: datetime
    posted_at: datetime | None
    deadline_at: datetime | None
    closed_at: datetime | None
    revealed: bool
    error: str | None = None  # why Slack refused the post, when it failed
    requested_by: str | None = None  # who ran ``daily now`` (None for scheduled posts)

    @property
    def is_open(self) -> bool:
        """True while answers are accepted (until the deadline is processed)."""
        return self.status == "open"

    @classmethod
    def from_row(cls, row: dict) -> QuizPost:
        """Build from a quiz_posts row."""
        return cls(
            id=row["id"],
            channel_id=row["channel_id"],
            team_id=row["team_id"],
            kind=row["kind"],
            slot=row["slot"],
            question_id=row["question_id"],
            item_id=row["item_id"],
            category=row["category"],
            status=row["status"],
            message_ts=row["message_ts"],
            created_at=parse_ts(row["created_at"]),  # type: ignore[arg-type]
            posted_at=parse_ts(row["posted_at"]),
            deadline_at=parse_ts(row["deadline_at"]),
            closed_at=parse_ts(row["closed_at"]),
            revealed=bool(row["revealed"]),
            error=row.get("error"),
            requested_by=row.get("requested_by"),
        )


@dataclass(frozen=True)
class ScheduleRow:
    """A channel's stored daily-quiz schedule (the rule's parts as text)."""

    channel_id: str
    team_id: str | None
    at: str
    tz: str
    weekdays: str
    enabled: bool
    active_since: datetime
    updated_by: str | None
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict) -> ScheduleRow:
        """Build from a schedules row."""
        return cls(
            channel_id=row["channel_id"],
            team_id=row["team_id"],
            at=row["at"],
            tz=row["tz"],
            weekdays=row["weekdays"],
            enabled=bool(row["enabled"]),
            active_since=parse_ts(row["active_since"]),  # type: ignore[arg-type]
            updated_by=row["updated_by"],
            updated_at=parse_ts(row["updated_at"]),  # type: ignore[arg-type]
        )


# --- The store. -----------------------------------------------------------------------------


class StoreError(Exception):
    """The database file cannot be opened or is not an ofin database."""


class Store:
    """The bot's SQLite database: claims, feedback, declined questions, users and quizzes."""

    def __init__(self, path: str | Path, *, clock: Clock | None = None):
        """Open (creating if needed) the database at ``path`` and apply pending migrations.

        Raise StoreError, with the reason, when the path cannot hold a database.
        """
        self.path = Path(path)
        self.clock: Clock = clock or clock_from_env()
        self._lock = threading.RLock()
        self._claims_since_prune = 0
        self._forget_key: bytes | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One connection shared by every thread, serialised by the lock; the timeout waits
            # for other processes holding the write lock instead of failing at once.
            conn = sqlite3.connect(str(self.path), timeout=30.0, check_same_thread=False)
            self.db = Database(conn)
            with self._lock:
                self.db.enable_wal()
                # In WAL mode NORMAL commits to the log without an fsync per transaction: a commit
                # survives the process being killed (measured in `make soak`), and only a power
                # cut or an OS crash can lose the last moments. FULL cost 4.4 ms per commit here,
                # which capped clicks at about 115/s (each click writes twice).
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.execute("PRAGMA foreign_keys=ON")
                with self._write():
                    migrations.apply(self.db)
        except (sqlite3.Error, OSError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise StoreError(f"cannot open the database at {self.path}: {reason}") from exc

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

    def now_ts(self) -> str:
        """The store clock's current instant, as stored text."""
        return self._now()

    def query(self, sql: str, params: list | tuple | dict = ()) -> list[dict]:
        """Rows of a read-only query as dicts (for reports that own their SQL)."""
        return self._rows(sql, params)

    def execute(self, sql: str, params: list | tuple | dict = ()) -> int:
        """Run one writing statement; return how many rows it changed."""
        with self._lock:
            return self.db.execute(sql, params).rowcount

    def insert_or_ignore(self, sql: str, params: list | tuple | dict = ()) -> int | None:
        """Run one INSERT OR IGNORE; the new row's id, or None when a constraint refused it."""
        with self._lock:
            cursor = self.db.execute(sql, params)
            return cursor.lastrowid if cursor.rowcount == 1 else None

    def execute_many(self, sql: str, rows: list[tuple]) -> int:
        """Run one statement for each row in a single transaction; return the rows changed."""
        with self._write() as db:
            before = db.conn.total_changes
            db.conn.executemany(sql, rows)
            return db.conn.total_changes - before

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
        """Return True the first time ``key`` is claimed (by any thread or process), else False.

        Claims only guard against redeliveries and double clicks, which come within minutes, so
        claims older than CLAIM_TTL are pruned now and then: the table does not grow forever.
        """
        with self._lock:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO claims (key, claimed_at) VALUES (?, ?)", [key, self._now()]
            )
            self._claims_since_prune += 1
            if self._claims_since_prune >= CLAIMS_PER_PRUNE:
                self.prune_claims()
            return cursor.rowcount == 1

    def prune_claims(self, older_than: timedelta = CLAIM_TTL) -> int:
        """Delete claims older than ``older_than``; return how many were deleted."""
        cutoff = ts(self.clock.now() - older_than)
        with self._lock:
            self._claims_since_prune = 0
            cursor = self.db.execute("DELETE FROM claims WHERE claimed_at < ?", [cutoff])
            return cursor.rowcount

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
        """Log a question the bot declined to answer (the first MAX_LOGGED_QUESTION characters)."""
        with self._lock:
            self.db["declined"].insert(
                {
                    "question": question.strip()[:MAX_LOGGED_QUESTION],
                    "normalized": normalize_question(question[:MAX_LOGGED_QUESTION]),
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
        ("reviews", "user_id"),
        ("practice_prompts", "user_id"),
        ("answers", "user_id"),
        ("duty_owners", "owner_id"),
        ("campaign_reminders", "user_id"),
    )

    def user_hash(self, user_id: str) -> str:
        """A keyed hash of a user id: who was forgotten, without keeping who they were."""
        if self._forget_key is None:
            rows = self._rows("SELECT value FROM meta WHERE key = 'forget_key'")
            self._forget_key = bytes.fromhex(rows[0]["value"])
        return hmac.new(self._forget_key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def forgotten_hashes(self) -> frozenset[str]:
        """The hashes of everyone who asked to be forgotten (reports leave them out)."""
        return frozenset(r["user_hash"] for r in self._rows("SELECT user_hash FROM forgotten"))

    def forget_user(self, user_id: str) -> int:
        """Delete every row about ``user_id``; return how many rows were deleted.

        A keyed hash of the id is kept so that reports leave the person out from then on (they
        still count in "N people asked to be forgotten"), even when Slack lists them in a channel.
        """
        deleted = 0
        user_hash = self.user_hash(user_id)
        with self._write() as db:
            db.conn.execute(
                "INSERT OR IGNORE INTO forgotten (user_hash, forgotten_at) VALUES (?, ?)",
                [user_hash, self._now()],
            )
            for table, column in self.USER_COLUMNS:
                if db[table].exists():
                    cursor = db.conn.execute(
                        f"DELETE FROM [{table}] WHERE [{column}] = ?", [user_id]
                    )
                    deleted += cursor.rowcount
            # A schedule belongs to its channel; only the name of who set it goes.
            db.conn.execute(
                "UPDATE schedules SET updated_by = NULL WHERE updated_by = ?", [user_id]
            )
            db.conn.execute("UPDATE digests SET updated_by = NULL WHERE updated_by = ?", [user_id])
            db.conn.execute("UPDATE campaigns SET set_by = NULL WHERE set_by = ?", [user_id])
            # remind_optouts stays: "don't remind me" is respected forever, even after forgetting.
            # A saved stack belongs to its team; only the name of who saved it goes.
            db.conn.execute("UPDATE stacks SET saved_by = NULL WHERE saved_by = ?", [user_id])
        return deleted

    # --- practice quizzes and spaced repetition ---------------------------------------------

    def reviews_for(self, user_id: str) -> dict[str, dict]:
        """The person's Leitner state per question id (box, due_at, last_asked_at as datetimes)."""
        rows = self._rows("SELECT * FROM reviews WHERE user_id = ?", [user_id])
        return {
            row["question_id"]: {
                **row,
                "due_at": parse_ts(row["due_at"]),
                "last_asked_at": parse_ts(row["last_asked_at"]),
            }
            for row in rows
        }

    def save_review(
        self, *, user_id: str, question_id: str, box: int, due_at: datetime, correct: bool
    ) -> None:
        """Store the person's new Leitner box for a question after an answer."""
        now = self._now()
        with self._lock:
            self.db.execute(
                """
                INSERT INTO reviews (user_id, question_id, box, due_at, last_asked_at,
                                     times_answered, times_correct)
                VALUES (?, ?, ?, ?, ?, 1, ?)
                ON CONFLICT (user_id, question_id) DO UPDATE SET
                    box = excluded.box, due_at = excluded.due_at,
                    last_asked_at = excluded.last_asked_at,
                    times_answered = reviews.times_answered + 1,
                    times_correct = reviews.times_correct + excluded.times_correct
                """,
                [user_id, question_id, box, ts(due_at), now, int(correct)],
            )

    def recent_practice(self, user_id: str, limit: int = 5) -> list[str]:
        """The question ids of the person's latest practice prompts, newest first."""
        rows = self._rows(
            "SELECT question_id FROM practice_prompts WHERE user_id = ? "
            "ORDER BY asked_at DESC, rowid DESC LIMIT ?",
            [user_id, limit],
        )
        return [row["question_id"] for row in rows]

    def create_prompt(
        self,
        *,
        user_id: str,
        channel_id: str | None,
        question_id: str,
        item_id: str | None,
        category: str | None,
    ) -> str:
        """Record a practice question shown to ``user_id``; return the prompt id for its buttons."""
        prompt_id = secrets.token_hex(8)
        with self._lock:
            self.db["practice_prompts"].insert(
                {
                    "id": prompt_id,
                    "user_id": user_id,
                    "channel_id": channel_id,
                    "question_id": question_id,
                    "item_id": item_id,
                    "category": category,
                    "asked_at": self._now(),
                }
            )
        return prompt_id

    def prompt(self, prompt_id: str) -> dict | None:
        """The practice prompt with this id, or None."""
        rows = self._rows("SELECT * FROM practice_prompts WHERE id = ?", [prompt_id])
        return rows[0] if rows else None

    def answer_prompt(
        self, prompt_id: str, *, user_id: str, choice: str, correct: bool, points: int
    ) -> bool:
        """Record the answer to a practice prompt; True only for its first answer by its owner."""
        with self._lock:
            cursor = self.db.execute(
                "UPDATE practice_prompts SET answered_at = ?, choice = ?, correct = ?, points = ? "
                "WHERE id = ? AND user_id = ? AND answered_at IS NULL",
                [self._now(), choice, int(correct), points, prompt_id, user_id],
            )
            return cursor.rowcount == 1

    # --- daily quiz posts -------------------------------------------------------------------

    def create_post(
        self,
        *,
        channel_id: str,
        team_id: str | None,
        kind: str,
        slot: str | None,
        question_id: str,
        item_id: str | None,
        category: str | None,
        unless_since: datetime | None = None,
        requested_by: str | None = None,
    ) -> QuizPost | None:
        """Claim a post in a channel; None when ``slot`` was already claimed (by anyone, ever),
        or, with ``unless_since``, when a post of the same kind was claimed there since then
        (so a repeated ``daily now`` posts once)."""
        with self._write() as db:
            if (
                unless_since is not None
                and db.execute(
                    "SELECT 1 FROM quiz_posts WHERE channel_id = ? AND kind = ? "
                    "AND created_at >= ? AND status != 'failed'",
                    [channel_id, kind, ts(unless_since)],
                ).fetchone()
            ):
                return None
            cursor = db.execute(
                """
                INSERT OR IGNORE INTO quiz_posts
                    (channel_id, team_id, kind, slot, question_id, item_id, category, status,
                     created_at, requested_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'posting', ?, ?)
                """,
                [
                    channel_id,
                    team_id,
                    kind,
                    slot,
                    question_id,
                    item_id,
                    category,
                    self._now(),
                    requested_by,
                ],
            )
            if cursor.rowcount != 1:
                return None
            post_id = cursor.lastrowid
        return self.post(post_id)  # type: ignore[arg-type]

    def slot_taken(self, slot: str) -> bool:
        """True when a post already claimed ``slot``."""
        return bool(self._rows("SELECT 1 FROM quiz_posts WHERE slot = ?", [slot]))

    def mark_posted(self, post_id: int, *, message_ts: str, deadline_at: datetime) -> list[int]:
        """The post is in Slack: open it for answers until ``deadline_at``.

        One transaction closes the channel's other open post first (a UNIQUE index allows one
        open quiz per channel); returns the ids it closed, which still need revealing.
        """
        now = self._now()
        with self._write() as db:
            row = db.execute(
                "SELECT channel_id FROM quiz_posts WHERE id = ? AND status = 'posting'", [post_id]
            ).fetchone()
            if row is None:
                return []
            closed = [
                r[0]
                for r in db.execute(
                    "SELECT id FROM quiz_posts WHERE channel_id = ? AND status = 'open'", [row[0]]
                ).fetchall()
            ]
            db.execute(
                "UPDATE quiz_posts SET status = 'closed', closed_at = ? "
                "WHERE channel_id = ? AND status = 'open'",
                [now, row[0]],
            )
            db.execute(
                "UPDATE quiz_posts SET status = 'open', message_ts = ?, posted_at = ?, "
                "deadline_at = ?, error = NULL WHERE id = ? AND status = 'posting'",
                [message_ts, now, ts(deadline_at), post_id],
            )
        return closed

    def mark_failed(self, post_id: int, error: str | None = None) -> None:
        """Slack refused the post; it never opens (and its slot stays used: at most once)."""
        with self._lock:
            self.db.execute(
                "UPDATE quiz_posts SET status = 'failed', closed_at = ?, error = ? "
                "WHERE id = ? AND status = 'posting'",
                [self._now(), error, post_id],
            )

    def note_error(self, post_id: int, error: str) -> None:
        """Remember the latest reason a post is still waiting to reach Slack."""
        with self._lock:
            self.db.execute(
                "UPDATE quiz_posts SET error = ? WHERE id = ? AND status = 'posting'",
                [error, post_id],
            )

    def posts_posting(self) -> list[QuizPost]:
        """Posts claimed but not yet known to be in Slack (in flight, retrying, or a crash)."""
        rows = self._rows("SELECT * FROM quiz_posts WHERE status = 'posting' ORDER BY id")
        return [QuizPost.from_row(row) for row in rows]

    def post(self, post_id: int) -> QuizPost | None:
        """The post with this id, or None."""
        rows = self._rows("SELECT * FROM quiz_posts WHERE id = ?", [post_id])
        return QuizPost.from_row(rows[0]) if rows else None

    def latest_post(self, channel_id: str) -> QuizPost | None:
        """The channel's most recent post that reached Slack, or None."""
        rows = self._rows(
            "SELECT * FROM quiz_posts WHERE channel_id = ? AND status IN ('open', 'closed') "
            "ORDER BY id DESC LIMIT 1",
            [channel_id],
        )
        return QuizPost.from_row(rows[0]) if rows else None

    def open_posts(self, channel_id: str | None = None) -> list[QuizPost]:
        """Open posts, oldest first, in one channel or everywhere."""
        where, params = ("AND channel_id = ?", [channel_id]) if channel_id else ("", [])
        rows = self._rows(
            f"SELECT * FROM quiz_posts WHERE status = 'open' {where} ORDER BY id", params
        )
        return [QuizPost.from_row(row) for row in rows]

    def posts_to_close(self, now: datetime) -> list[QuizPost]:
        """Open posts whose deadline has passed."""
        rows = self._rows(
            "SELECT * FROM quiz_posts WHERE status = 'open' AND deadline_at <= ? ORDER BY id",
            [ts(now)],
        )
        return [QuizPost.from_row(row) for row in rows]

    def posts_to_reveal(self) -> list[QuizPost]:
        """Closed posts whose answer has not been shown yet (e.g. a crash mid-reveal)."""
        rows = self._rows(
            "SELECT * FROM quiz_posts WHERE status = 'closed' AND revealed = 0 ORDER BY id"
        )
        return [QuizPost.from_row(row) for row in rows]

    def close_post(self, post_id: int) -> bool:
        """Stop accepting answers; True only for the caller that actually closed it."""
        with self._lock:
            cursor = self.db.execute(
                "UPDATE quiz_posts SET status = 'closed', closed_at = ? "
                "WHERE id = ? AND status = 'open'",
                [self._now(), post_id],
            )
            return cursor.rowcount == 1

    def mark_revealed(self, post_id: int) -> None:
        """The post now shows its answer."""
        with self._lock:
            self.db.execute("UPDATE quiz_posts SET revealed = 1 WHERE id = ?", [post_id])

    def times_asked(self, channel_id: str) -> dict[str, int]:
        """How often each question id was posted in the channel (failed posts excluded)."""
        rows = self._rows(
            "SELECT question_id, COUNT(*) AS n FROM quiz_posts "
            "WHERE channel_id = ? AND status != 'failed' GROUP BY question_id",
            [channel_id],
        )
        return {row["question_id"]: int(row["n"]) for row in rows}

    def last_question(self, channel_id: str) -> str | None:
        """The question id of the channel's latest post (any status but failed)."""
        rows = self._rows(
            "SELECT question_id FROM quiz_posts WHERE channel_id = ? AND status != 'failed' "
            "ORDER BY id DESC LIMIT 1",
            [channel_id],
        )
        return rows[0]["question_id"] if rows else None

    # --- answers to daily posts -------------------------------------------------------------

    def record_answer(
        self,
        *,
        post_id: int,
        user_id: str,
        choice: str,
        correct: bool,
        points: int,
        response_ms: int | None,
    ) -> bool:
        """Count a person's answer to an open post; True only for their first, before closing.

        One statement, so no thread or process can slip between the check and the insert. A post
        still being posted counts too: Slack may deliver a click before we recorded the ts.
        """
        now = self._now()
        with self._lock:
            cursor = self.db.execute(
                """
                INSERT OR IGNORE INTO answers
                    (post_id, user_id, channel_id, question_id, category, choice, correct,
                     points, response_ms, answered_at)
                SELECT id, ?, channel_id, question_id, category, ?, ?, ?, ?, ?
                FROM quiz_posts
                WHERE id = ? AND status IN ('posting', 'open')
                  AND (deadline_at IS NULL OR deadline_at > ?)
                """,
                [user_id, choice, int(correct), points, response_ms, now, post_id, now],
            )
            return cursor.rowcount == 1

    def answer_of(self, post_id: int, user_id: str) -> dict | None:
        """The person's counted answer to a post, or None."""
        rows = self._rows(
            "SELECT * FROM answers WHERE post_id = ? AND user_id = ?", [post_id, user_id]
        )
        return rows[0] if rows else None

    def answer_count(self, post_id: int) -> int:
        """How many people answered the post."""
        return int(
            self._rows("SELECT COUNT(*) AS n FROM answers WHERE post_id = ?", [post_id])[0]["n"]
        )

    def post_summary(self, post_id: int, first: int = 3) -> tuple[int, int, list[str]]:
        """(answers, correct answers, the first ``first`` correct answerers in order)."""
        row = self._rows(
            "SELECT COUNT(*) AS n, COALESCE(SUM(correct), 0) AS ok FROM answers WHERE post_id = ?",
            [post_id],
        )[0]
        firsts = self._rows(
            "SELECT user_id FROM answers WHERE post_id = ? AND correct = 1 "
            "ORDER BY answered_at, id LIMIT ?",
            [post_id, first],
        )
        return int(row["n"]), int(row["ok"]), [r["user_id"] for r in firsts]

    # --- schedules --------------------------------------------------------------------------

    def save_schedule(
        self,
        *,
        channel_id: str,
        team_id: str | None,
        at: str,
        tz: str,
        weekdays: str,
        updated_by: str | None,
    ) -> ScheduleRow:
        """Turn the channel's daily quiz on (or change it); earlier slots are never back-posted."""
        now = self._now()
        with self._lock:
            self.db.execute(
                """
                INSERT INTO schedules
                    (channel_id, team_id, at, tz, weekdays, enabled, active_since, updated_by,
                     updated_at)
                VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)
                ON CONFLICT (channel_id) DO UPDATE SET
                    team_id = COALESCE(excluded.team_id, schedules.team_id), at = excluded.at,
                    tz = excluded.tz, weekdays = excluded.weekdays, enabled = 1,
                    active_since = excluded.active_since, updated_by = excluded.updated_by,
                    updated_at = excluded.updated_at
                """,
                [channel_id, team_id, at, tz, weekdays, now, updated_by, now],
            )
        return self.schedule(channel_id)  # type: ignore[return-value]

    def disable_schedule(self, channel_id: str, *, updated_by: str | None = None) -> bool:
        """Turn the channel's daily quiz off; True when it was on."""
        with self._lock:
            cursor = self.db.execute(
                "UPDATE schedules SET enabled = 0, updated_by = ?, updated_at = ? "
                "WHERE channel_id = ? AND enabled = 1",
                [updated_by, self._now(), channel_id],
            )
            return cursor.rowcount == 1

    def schedule(self, channel_id: str) -> ScheduleRow | None:
        """The channel's schedule (on or off), or None when it never had one."""
        rows = self._rows("SELECT * FROM schedules WHERE channel_id = ?", [channel_id])
        return ScheduleRow.from_row(rows[0]) if rows else None

    def enabled_schedules(self) -> list[ScheduleRow]:
        """Every schedule that is on."""
        rows = self._rows("SELECT * FROM schedules WHERE enabled = 1 ORDER BY channel_id")
        return [ScheduleRow.from_row(row) for row in rows]

    # --- scores -----------------------------------------------------------------------------

    def leaderboard(self, channel_id: str, since: datetime | None = None) -> list[dict]:
        """Daily-quiz totals per person in a channel since ``since``: most points first."""
        where, params = "WHERE channel_id = ?", [channel_id]
        if since is not None:
            where, params = where + " AND answered_at >= ?", [channel_id, ts(since)]
        return self._rows(
            f"""
            SELECT user_id, SUM(points) AS points, SUM(correct) AS correct,
                   COUNT(*) AS answered, MIN(answered_at) AS first_answer
            FROM answers {where}
            GROUP BY user_id
            ORDER BY points DESC, correct DESC, answered ASC, user_id
            """,
            params,
        )

    def team_board(self, since: datetime | None = None) -> list[dict]:
        """Per channel: posts, distinct players, answers and correct answers since ``since``."""
        post_where, answer_where, params = "", "", []
        if since is not None:
            post_where = "AND p.posted_at >= ?"
            answer_where = "AND a.answered_at >= ?"
            params = [ts(since), ts(since)]
        return self._rows(
            f"""
            SELECT p.channel_id,
                   COUNT(DISTINCT p.id) AS posts,
                   COUNT(DISTINCT a.user_id) AS players,
                   COUNT(a.id) AS answers,
                   COALESCE(SUM(a.correct), 0) AS correct
            FROM quiz_posts p
            LEFT JOIN answers a ON a.post_id = p.id {answer_where}
            WHERE p.status IN ('open', 'closed') {post_where}
            GROUP BY p.channel_id
            """,
            params,
        )

    def user_totals(self, user_id: str) -> dict:
        """The person's counts: daily answered/correct/points, practice answered/correct."""
        daily = self._rows(
            "SELECT COUNT(*) AS answered, COALESCE(SUM(correct), 0) AS correct, "
            "COALESCE(SUM(points), 0) AS points FROM answers WHERE user_id = ?",
            [user_id],
        )[0]
        practice = self._rows(
            "SELECT COUNT(*) AS answered, COALESCE(SUM(correct), 0) AS correct "
            "FROM practice_prompts WHERE user_id = ? AND answered_at IS NOT NULL",
            [user_id],
        )[0]
        return {
            "daily_answered": int(daily["answered"]),
            "daily_correct": int(daily["correct"]),
            "points": int(daily["points"]),
            "practice_answered": int(practice["answered"]),
            "practice_correct": int(practice["correct"]),
        }

    def category_results(self, user_id: str) -> list[tuple[str, int, int]]:
        """(category, answered, correct) over the person's daily and practice answers."""
        rows = self._rows(
            """
            SELECT category, COUNT(*) AS answered, SUM(correct) AS correct FROM (
                SELECT category, correct FROM answers WHERE user_id = ?
                UNION ALL
                SELECT category, correct FROM practice_prompts
                WHERE user_id = ? AND answered_at IS NOT NULL
            ) WHERE category IS NOT NULL GROUP BY category ORDER BY category
            """,
            [user_id, user_id],
        )
        return [(r["category"], int(r["answered"]), int(r["correct"])) for r in rows]

    def post_results(self, user_id: str, channel_id: str, limit: int = 400) -> list[dict]:
        """The person's result on each of the channel's latest posts, newest first."""
        return self._rows(
            """
            SELECT p.id, p.status, a.id IS NOT NULL AS answered,
                   COALESCE(a.correct, 0) AS correct
            FROM quiz_posts p
            LEFT JOIN answers a ON a.post_id = p.id AND a.user_id = ?
            WHERE p.channel_id = ? AND p.status IN ('open', 'closed')
            ORDER BY p.id DESC LIMIT ?
            """,
            [user_id, channel_id, limit],
        )

    def channels_played(self, user_id: str) -> list[str]:
        """Channels where the person answered at least one daily quiz."""
        rows = self._rows(
            "SELECT DISTINCT channel_id FROM answers WHERE user_id = ? ORDER BY channel_id",
            [user_id],
        )
        return [row["channel_id"] for row in rows]

    def export_answers(self) -> Iterator[dict]:
        """Every answer, daily and practice, oldest first (for the CSV export)."""
        rows = self._rows(
            """
            SELECT answered_at, 'daily' AS kind, user_id, channel_id, post_id AS source_id,
                   question_id, category, choice, correct, points, response_ms
            FROM answers
            UNION ALL
            SELECT answered_at, 'practice', user_id, channel_id, id, question_id, category,
                   choice, correct, COALESCE(points, 0), NULL
            FROM practice_prompts WHERE answered_at IS NOT NULL
            ORDER BY answered_at, kind, source_id
            """
        )
        yield from rows
