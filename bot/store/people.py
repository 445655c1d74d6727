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

#: (table, column) pairs that name who set something up; forgetting blanks the name only (a
#: schedule belongs to its channel, a saved stack to its team).
NAMED_BY: tuple[tuple[str, str], ...] = (
    ("schedules", "updated_by"),
    ("digests", "updated_by"),
    ("campaigns", "set_by"),
    ("stacks", "saved_by"),
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

    def __init__(self, db: Db, team: str) -> None:
        self._db = db
        self._team = team
        self._forget_key: bytes | None = None

    # --- users ------------------------------------------------------------------------------

    def touch_user(self, user_id: str, *, tz: str | None = None) -> None:
        """Remember that we met ``user_id`` in this workspace (and their time zone, when known)."""
        now = self._db.now()
        self._db.execute(
            """
            INSERT INTO users (user_id, team_id, tz, first_seen, last_seen)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (team_id, user_id) DO UPDATE SET
                tz = COALESCE(excluded.tz, users.tz),
                last_seen = excluded.last_seen
            """,
            [user_id, self._team, tz, now, now],
        )

    def user(self, user_id: str) -> UserRow | None:
        """The stored record of ``user_id``, or None."""
        rows = self._db.rows(
            "SELECT * FROM users WHERE team_id = ? AND user_id = ?", [self._team, user_id]
        )
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
                (team_id, user_id, question, item_key, item_id, helpful, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (team_id, user_id, question, item_key)
            DO UPDATE SET helpful = excluded.helpful, updated_at = excluded.updated_at
            """,
            [self._team, user_id, question, item_id or "", item_id, int(helpful), now, now],
        )

    def feedback_for(self, *, user_id: str, question: str, item_id: str | None) -> bool | None:
        """The user's current vote on this answer: True, False, or None when there is none."""
        rows = self._db.rows(
            "SELECT helpful FROM feedback "
            "WHERE team_id = ? AND user_id = ? AND question = ? AND item_key = ?",
            [self._team, user_id, question, item_id or ""],
        )
        return bool(rows[0]["helpful"]) if rows else None

    def feedback_counts(self, item_id: str | None = None) -> tuple[int, int]:
        """(helpful, unhelpful) vote counts, for one item or overall."""
        where, params = "WHERE team_id = ?", [self._team]
        if item_id is not None:
            where, params = where + " AND item_key = ?", [self._team, item_id]
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
        rows = self._db.rows("SELECT user_hash FROM forgotten WHERE team_id = ?", [self._team])
        return frozenset(r["user_hash"] for r in rows)

    def forget_user(self, user_id: str) -> int:
        """Delete every row about ``user_id`` in this workspace; return how many were deleted.

        A keyed hash of the id is kept so that reports leave the person out from then on (they
        still count in "N people asked to be forgotten"), even when Slack lists them in a channel.
        """
        deleted = 0
        user_hash = self.user_hash(user_id)
        with self._db.write() as tx:
            tx.execute(
                "INSERT OR IGNORE INTO forgotten (team_id, user_hash, forgotten_at) "
                "VALUES (?, ?, ?)",
                [self._team, user_hash, self._db.now()],
            )
            for table, column in USER_COLUMNS:
                cursor = tx.execute(
                    f"DELETE FROM [{table}] WHERE team_id = ? AND [{column}] = ?",
                    [self._team, user_id],
                )
                deleted += cursor.rowcount
            # A schedule belongs to its channel; only the name of who set it goes.
            for table, column in NAMED_BY:
                tx.execute(
                    f"UPDATE [{table}] SET [{column}] = NULL WHERE team_id = ? AND [{column}] = ?",
                    [self._team, user_id],
                )
            # remind_optouts stays: "don't remind me" is respected forever, even after forgetting.
        return deleted
