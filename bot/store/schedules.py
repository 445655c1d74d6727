"""Each channel's daily-quiz schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.db import Db, parse_required_ts


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
    def from_row(cls, row: dict[str, Any]) -> ScheduleRow:
        """Build from a schedules row."""
        return cls(
            channel_id=row["channel_id"],
            team_id=row["team_id"],
            at=row["at"],
            tz=row["tz"],
            weekdays=row["weekdays"],
            enabled=bool(row["enabled"]),
            active_since=parse_required_ts(row["active_since"]),
            updated_by=row["updated_by"],
            updated_at=parse_required_ts(row["updated_at"]),
        )


class Schedules:
    """Turn channels' daily quizzes on and off."""

    def __init__(self, db: Db, team: str) -> None:
        self._db = db
        self._team = team

    def save(
        self,
        channel_id: str,
        *,
        at: str,
        tz: str,
        weekdays: str,
        updated_by: str | None,
    ) -> ScheduleRow:
        """Turn the channel's daily quiz on (or change it); earlier slots are never back-posted."""
        now = self._db.now()
        self._db.execute(
            """
            INSERT INTO schedules
                (channel_id, team_id, at, tz, weekdays, enabled, active_since, updated_by,
                 updated_at)
            VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)
            ON CONFLICT (team_id, channel_id) DO UPDATE SET
                at = excluded.at,
                tz = excluded.tz, weekdays = excluded.weekdays, enabled = 1,
                active_since = excluded.active_since, updated_by = excluded.updated_by,
                updated_at = excluded.updated_at
            """,
            [channel_id, self._team, at, tz, weekdays, now, updated_by, now],
        )
        saved = self.get(channel_id)
        assert saved is not None  # written just above; schedules are never deleted
        return saved

    def disable(self, channel_id: str, *, updated_by: str | None = None) -> bool:
        """Turn the channel's daily quiz off; True when it was on."""
        changed = self._db.execute(
            "UPDATE schedules SET enabled = 0, updated_by = ?, updated_at = ? "
            "WHERE team_id = ? AND channel_id = ? AND enabled = 1",
            [updated_by, self._db.now(), self._team, channel_id],
        )
        return changed == 1

    def get(self, channel_id: str) -> ScheduleRow | None:
        """The channel's schedule (on or off), or None when it never had one."""
        rows = self._db.rows(
            "SELECT * FROM schedules WHERE team_id = ? AND channel_id = ?", [self._team, channel_id]
        )
        return ScheduleRow.from_row(rows[0]) if rows else None

    def enabled(self) -> list[ScheduleRow]:
        """Every schedule that is on."""
        rows = self._db.rows(
            "SELECT * FROM schedules WHERE team_id = ? AND enabled = 1 ORDER BY channel_id",
            [self._team],
        )
        return [ScheduleRow.from_row(row) for row in rows]
