"""Completion campaigns without Slack: a target per channel and period, who is behind, reminders.

``/ofin campaign set 10 per quarter``: each member of the channel should answer 10 questions
(daily in that channel, or practice anywhere, counted as the report counts them) per quarter.
Someone is *behind* when their answers so far are below the target pro-rated to the time elapsed
in the period. A polite DM goes once a week to people behind: claimed per person and ISO week in
SQLite first, so no one gets two in a week, even across restarts or from two channels; people
who said ``/ofin remind off`` never get one (that choice outlives even "forget me").
"""

from __future__ import annotations

import builtins
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from bot.kb.model import KnowledgeBase
from bot.store import CampaignPeriod, Store
from bot.training.periods import Period, parse_period
from bot.training.report import build_report

PERIODS = ("month", "quarter", "year")
_SET = re.compile(r"^set\s+(\d{1,4})(?:\s+(?:per|a|each|every)\s+(month|quarter|year))?$", re.I)
MAX_TARGET = 1000


class CampaignError(ValueError):
    """The campaign command's arguments make no sense."""


@dataclass(frozen=True)
class Campaign:
    """A channel's campaign: ``target`` answers per ``per``."""

    channel_id: str
    target: int
    per: CampaignPeriod

    def period(self, now: datetime) -> Period:
        """The current period."""
        return parse_period(self.per, now)

    def describe(self) -> str:
        """E.g. "10 answers per quarter"."""
        return f"{self.target} answer{'s' if self.target != 1 else ''} per {self.per}"


@dataclass(frozen=True)
class Progress:
    """Where each member stands in the current period."""

    campaign: Campaign
    period: Period
    expected_now: int  # the target pro-rated to the time elapsed
    answered: dict[str, int]  # member -> answers so far
    behind: tuple[str, ...]  # members below expected_now, most behind first

    @property
    def done(self) -> tuple[str, ...]:
        """Members who already reached the target."""
        return tuple(u for u, n in sorted(self.answered.items()) if n >= self.campaign.target)


def parse_set(args: str) -> tuple[int, CampaignPeriod]:
    """'set 10 per quarter' -> (10, "quarter"); the period defaults to quarter."""
    match = _SET.match(" ".join(args.split()))
    if not match:
        raise CampaignError(
            "Try `campaign set 10 per quarter` (or per month, per year), `campaign status` or "
            "`campaign off`."
        )
    target = int(match.group(1))
    if not 1 <= target <= MAX_TARGET:
        raise CampaignError(f"The target must be between 1 and {MAX_TARGET} answers.")
    return target, cast(CampaignPeriod, (match.group(2) or "quarter").lower())


def expected_by(target: int, period: Period, now: datetime) -> int:
    """The target pro-rated to ``now`` (rounded down: nobody is behind on day one)."""
    total = (period.end - period.start).total_seconds()
    elapsed = min(max((now - period.start).total_seconds(), 0.0), total)
    return math.floor(target * elapsed / total)


def week_of(now: datetime) -> str:
    """The ISO week of ``now`` (UTC), e.g. "2026-W49"."""
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


class Campaigns:
    """Campaigns, reminders and opt-outs, in the store."""

    def __init__(self, store: Store, kb: KnowledgeBase) -> None:
        self.store = store
        self.kb = kb

    def set(self, channel_id: str, args: str, *, user_id: str) -> Campaign:
        """Start (or change) the channel's campaign from 'set N per PERIOD' (CampaignError)."""
        target, per = parse_set(args)
        self.store.campaigns.save(channel_id, target=target, per=per, set_by=user_id)
        return Campaign(channel_id, target, per)

    def stop(self, channel_id: str) -> bool:
        """End the channel's campaign; True when there was one."""
        return self.store.campaigns.disable(channel_id)

    def get(self, channel_id: str) -> Campaign | None:
        """The channel's running campaign."""
        row = self.store.campaigns.get(channel_id)
        return Campaign(row.channel_id, row.target, row.per) if row and row.enabled else None

    def running(self) -> list[Campaign]:
        """Every running campaign."""
        return [Campaign(r.channel_id, r.target, r.per) for r in self.store.campaigns.enabled()]

    def progress(self, campaign: Campaign, members: list[str] | None, now: datetime) -> Progress:
        """Each member's answers this period (computed from the answers, like the report)."""
        period = campaign.period(now)
        report = build_report(
            self.store, self.kb, period, channel_id=campaign.channel_id, members=members
        )
        answered = {p.user_id: p.answered for p in report.people}
        answered.update({u: 0 for u in report.inactive})
        if members is not None:  # the channel's members only (not people who left it)
            answered = {u: n for u, n in answered.items() if u in set(members)}
        expected = expected_by(campaign.target, period, now)
        behind = sorted(
            (u for u, n in answered.items() if n < expected), key=lambda u: (answered[u], u)
        )
        return Progress(campaign, period, expected, answered, tuple(behind))

    # --- reminders ----------------------------------------------------------------------------

    def opt_out(self, user_id: str) -> None:
        """Never remind this person again (until they turn reminders back on themselves)."""
        self.store.campaigns.opt_out(user_id)

    def opt_in(self, user_id: str) -> bool:
        """Turn reminders back on; True when they were off."""
        return self.store.campaigns.opt_in(user_id)

    def opted_out(self) -> builtins.set[str]:  # `set` is a method of this class
        """Everyone who turned reminders off."""
        return set(self.store.campaigns.opted_out())

    def claim_reminder(self, user_id: str, channel_id: str, now: datetime) -> bool:
        """True the first time this week that anyone claims a reminder for ``user_id``."""
        return self.store.campaigns.claim_reminder(user_id, week_of(now), channel_id)

    def reminders_due(
        self, campaign: Campaign, members: list[str], now: datetime, limit: int
    ) -> list[tuple[str, int, Progress]]:
        """Claim this week's reminders for members behind: (user, answers so far, progress)."""
        progress = self.progress(campaign, members, now)
        quiet = self.opted_out()
        due: list[tuple[str, int, Progress]] = []
        for user in progress.behind:
            if len(due) >= limit:
                break
            if user in quiet:
                continue
            if self.claim_reminder(user, campaign.channel_id, now):
                due.append((user, progress.answered[user], progress))
        return due


def reminder_text(
    channel_id: str, campaign: Campaign, answered: int, progress: Progress, now: datetime
) -> str:
    """The polite DM to someone behind."""
    days_left = max(0, (progress.period.end - now).days)
    return (
        f"Hi! <#{channel_id}> runs a short training campaign on the shared responsibility "
        f"model: {campaign.describe()}. You have {answered} so far this {campaign.per}, with "
        f"{days_left} days to go. `/ofin quiz` takes about a minute; the daily quiz counts too. "
        "Thank you! (No more reminders: `/ofin remind off`.)"
    )
