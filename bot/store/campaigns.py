"""Completion campaigns per channel, the weekly reminders claimed, and reminder opt-outs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from bot.store.db import Db, parse_required_ts

#: The period a campaign's target is counted over.
CampaignPeriod = Literal["month", "quarter", "year"]


@dataclass(frozen=True)
class CampaignRow:
    """A channel's stored campaign (running or stopped)."""

    channel_id: str
    team_id: str | None
    target: int  # answers each member should give per period
    per: CampaignPeriod
    enabled: bool
    set_by: str | None
    set_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CampaignRow:
        """Build from a campaigns row."""
        return cls(
            channel_id=row["channel_id"],
            team_id=row["team_id"],
            target=int(row["target"]),
            per=cast(CampaignPeriod, row["per"]),
            enabled=bool(row["enabled"]),
            set_by=row["set_by"],
            set_at=parse_required_ts(row["set_at"]),
        )


class CampaignStore:
    """Start and stop campaigns; claim reminders once per person and week; keep opt-outs."""

    def __init__(self, db: Db, team: str) -> None:
        self._db = db
        self._team = team

    def save(
        self,
        channel_id: str,
        *,
        target: int,
        per: CampaignPeriod,
        set_by: str | None,
    ) -> None:
        """Start (or change) the channel's campaign."""
        self._db.execute(
            """
            INSERT INTO campaigns (channel_id, team_id, target, per, enabled, set_by, set_at)
            VALUES (?, ?, ?, ?, 1, ?, ?)
            ON CONFLICT (team_id, channel_id) DO UPDATE SET
                target = excluded.target, per = excluded.per, enabled = 1,
                set_by = excluded.set_by, set_at = excluded.set_at
            """,
            [channel_id, self._team, target, per, set_by, self._db.now()],
        )

    def disable(self, channel_id: str) -> bool:
        """End the channel's campaign; True when there was one running."""
        changed = self._db.execute(
            "UPDATE campaigns SET enabled = 0 WHERE team_id = ? AND channel_id = ? AND enabled = 1",
            [self._team, channel_id],
        )
        return changed == 1

    def get(self, channel_id: str) -> CampaignRow | None:
        """The channel's campaign (running or stopped), or None when it never had one."""
        rows = self._db.rows(
            "SELECT * FROM campaigns WHERE team_id = ? AND channel_id = ?", [self._team, channel_id]
        )
        return CampaignRow.from_row(rows[0]) if rows else None

    def enabled(self) -> list[CampaignRow]:
        """Every running campaign."""
        rows = self._db.rows(
            "SELECT * FROM campaigns WHERE team_id = ? AND enabled = 1 ORDER BY channel_id",
            [self._team],
        )
        return [CampaignRow.from_row(row) for row in rows]

    def opt_out(self, user_id: str) -> None:
        """Never remind this person again (until they turn reminders back on themselves)."""
        self._db.execute(
            "INSERT OR IGNORE INTO remind_optouts (team_id, user_id, opted_out_at) "
            "VALUES (?, ?, ?)",
            [self._team, user_id, self._db.now()],
        )

    def opt_in(self, user_id: str) -> bool:
        """Turn reminders back on; True when they were off."""
        deleted = self._db.execute(
            "DELETE FROM remind_optouts WHERE team_id = ? AND user_id = ?", [self._team, user_id]
        )
        return deleted == 1

    def opted_out(self) -> frozenset[str]:
        """Everyone who turned reminders off."""
        rows = self._db.rows("SELECT user_id FROM remind_optouts WHERE team_id = ?", [self._team])
        return frozenset(r["user_id"] for r in rows)

    def claim_reminder(self, user_id: str, week: str, channel_id: str) -> bool:
        """True the first time anyone claims a reminder for ``user_id`` in ``week``."""
        claimed = self._db.execute(
            "INSERT OR IGNORE INTO campaign_reminders "
            "(team_id, user_id, week, channel_id, sent_at) VALUES (?, ?, ?, ?, ?)",
            [self._team, user_id, week, channel_id, self._db.now()],
        )
        return claimed == 1
