"""The people the bot met, their votes on answers, and forgetting someone who asks."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from bot.store.db import Db, parse_required_ts

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
    ("directory", "user_id"),
)


@dataclass(frozen=True)
class UserRow:
    """A person the bot met: their workspace and time zone when known, first and last seen."""

    user_id: str
    team_id: str | None
    tz: str | None
    first_seen: datetime
    last_seen: datetime


class People:
    """Users, feedback votes, and the keyed hashes of the forgotten."""

    def __init__(self, db: Db) -> None:
        self._db = db
        self._forget_key: bytes | None = None

    # --- users ------------------------------------------------------------------------------

    def touch_user(
        self, user_id: str, *, team_id: str | None = None, tz: str | None = None
    ) -> None:
        """Remember that we met ``user_id`` (and their workspace and time zone, when known)."""
        now = self._db.now()
        self._db.execute(
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

    def user(self, user_id: str) -> UserRow | None:
        """The stored record of ``user_id``, or None."""
        rows = self._db.rows("SELECT * FROM users WHERE user_id = ?", [user_id])
        if not rows:
            return None
        row = rows[0]
        return UserRow(
            user_id=row["user_id"],
            team_id=row["team_id"],
            tz=row["tz"],
            first_seen=parse_required_ts(row["first_seen"]),
            last_seen=parse_required_ts(row["last_seen"]),
        )

    # --- feedback ---------------------------------------------------------------------------

    def record_feedback(
        self, *, user_id: str, question: str, item_id: str | None, helpful: bool
    ) -> None:
        """Store a thumbs up/down; a new vote on one (user, question, item) replaces the old."""
        now = self._db.now()
        self._db.execute(
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
        rows = self._db.rows(
            "SELECT helpful FROM feedback WHERE user_id = ? AND question = ? AND item_key = ?",
            [user_id, question, item_id or ""],
        )
        return bool(rows[0]["helpful"]) if rows else None

    def feedback_counts(self, item_id: str | None = None) -> tuple[int, int]:
        """(helpful, unhelpful) vote counts, for one item or overall."""
        where, params = ("WHERE item_key = ?", [item_id]) if item_id is not None else ("", [])
        row = self._db.rows(
            f"SELECT COALESCE(SUM(helpful), 0) AS up, COALESCE(SUM(1 - helpful), 0) AS down "
            f"FROM feedback {where}",
            params,
        )[0]
        return int(row["up"]), int(row["down"])

    # --- privacy ----------------------------------------------------------------------------

    def user_hash(self, user_id: str) -> str:
        """A keyed hash of a user id: who was forgotten, without keeping who they were."""
        if self._forget_key is None:
            rows = self._db.rows("SELECT value FROM meta WHERE key = 'forget_key'")
            self._forget_key = bytes.fromhex(rows[0]["value"])
        return hmac.new(self._forget_key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def forgotten_hashes(self) -> frozenset[str]:
        """The hashes of everyone who asked to be forgotten (reports leave them out)."""
        return frozenset(r["user_hash"] for r in self._db.rows("SELECT user_hash FROM forgotten"))

    def forget_user(self, user_id: str) -> int:
        """Delete every row about ``user_id``; return how many rows were deleted.

        A keyed hash of the id is kept so that reports leave the person out from then on (they
        still count in "N people asked to be forgotten"), even when Slack lists them in a channel.
        """
        deleted = 0
        user_hash = self.user_hash(user_id)
        with self._db.write() as db:
            db.conn.execute(
                "INSERT OR IGNORE INTO forgotten (user_hash, forgotten_at) VALUES (?, ?)",
                [user_hash, self._db.now()],
            )
            for table, column in USER_COLUMNS:
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
