"""Weekly digests: each channel's digest schedule, and each week's post claimed once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.store.db import Db, parse_required_ts

#: How a claimed digest post went: claimed ("posting"), then "posted" or "failed".
DigestStatus = Literal["posting", "posted", "failed"]


@dataclass(frozen=True)
class DigestRow:
    """A channel's stored digest schedule (on or off)."""

    channel_id: str
    team_id: str | None
    enabled: bool
    weekday: int  # 0 = Monday
    at: str  # "HH:MM", local to tz
    tz: str
    enabled_since: datetime  # weeks due before this are never back-posted
    updated_by: str | None
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DigestRow:
        """Build from a digests row."""
        return cls(
            channel_id=row["channel_id"],
            team_id=row["team_id"],
            enabled=bool(row["enabled"]),
            weekday=int(row["weekday"]),
            at=row["at"],
            tz=row["tz"],
            enabled_since=parse_required_ts(row["enabled_since"]),
            updated_by=row["updated_by"],
            updated_at=parse_required_ts(row["updated_at"]),
        )


class DigestStore:
    """Turn channels' digests on and off; claim each week's post once."""

    def __init__(self, db: Db, team: str) -> None:
        self._db = db
        self._team = team

    def save(
        self,
        channel_id: str,
        *,
        weekday: int,
        at: str,
        tz: str,
        updated_by: str | None,
    ) -> DigestRow:
        """Turn the channel's digest on (or change it); weeks due before now are not back-posted."""
        now = self._db.now()
        self._db.execute(
            """
            INSERT INTO digests (channel_id, team_id, enabled, weekday, at, tz, enabled_since,
                                 updated_by, updated_at)
            VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (team_id, channel_id) DO UPDATE SET
                enabled = 1,
                weekday = excluded.weekday, at = excluded.at, tz = excluded.tz,
                enabled_since = excluded.enabled_since, updated_by = excluded.updated_by,
                updated_at = excluded.updated_at
            """,
            [channel_id, self._team, weekday, at, tz, now, updated_by, now],
        )
        saved = self.get(channel_id)
        assert saved is not None  # written just above; digests are never deleted
        return saved

    def disable(self, channel_id: str, *, updated_by: str | None) -> bool:
        """Stop the channel's digest; True when it was on."""
        changed = self._db.execute(
            "UPDATE digests SET enabled = 0, updated_by = ?, updated_at = ? "
            "WHERE team_id = ? AND channel_id = ? AND enabled = 1",
            [updated_by, self._db.now(), self._team, channel_id],
        )
        return changed == 1

    def get(self, channel_id: str) -> DigestRow | None:
        """The channel's digest schedule (on or off), or None when it never had one."""
        rows = self._db.rows(
            "SELECT * FROM digests WHERE team_id = ? AND channel_id = ?", [self._team, channel_id]
        )
        return DigestRow.from_row(rows[0]) if rows else None

    def enabled(self) -> list[DigestRow]:
        """Every digest that is on."""
        rows = self._db.rows(
            "SELECT * FROM digests WHERE team_id = ? AND enabled = 1 ORDER BY channel_id",
            [self._team],
        )
        return [DigestRow.from_row(row) for row in rows]

    def claim(self, channel_id: str, week: str | None) -> int | None:
        """Claim one post (week None: a manual one, never refused); None when already claimed."""
        return self._db.insert_id(
            "INSERT OR IGNORE INTO digest_posts (team_id, channel_id, week, status, created_at) "
            "VALUES (?, ?, ?, 'posting', ?)",
            [self._team, channel_id, week, self._db.now()],
        )

    def mark(self, claim_id: int, status: Literal["posted", "failed"]) -> None:
        """Record how the claimed post went."""
        self._db.execute(
            "UPDATE digest_posts SET status = ?, posted_at = ? WHERE team_id = ? AND id = ?",
            [status, self._db.now(), self._team, claim_id],
        )
