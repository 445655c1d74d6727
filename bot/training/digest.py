"""The weekly digest without Slack: its schedule, claiming each week's post once, its content.

A channel turns it on with ``/ofin digest on [day] [HH:MM] [time zone]`` (default Friday 16:00 in
the daily quiz's time zone). Each week's post is claimed in SQLite first (UNIQUE channel + week),
and only the claimer posts, so restarts and several processes never post a week twice. As with
the daily quiz, a week missed while the bot was down is posted when it comes back, that week.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from bot.kb.model import KnowledgeBase
from bot.quiz.insight import CategoryTrend, category_window, weak_spots
from bot.quiz.schedule import WEEKDAY_NAMES, Rule, ScheduleError, parse_rule
from bot.store import DigestRow, Store

TOP = 3
DAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


@dataclass(frozen=True)
class Digest:
    """What one weekly digest shows for a channel."""

    channel_id: str
    start: datetime
    end: datetime
    top: tuple[tuple[str, int, int], ...]  # (user, correct, answered), best first
    answered: int
    correct: int
    last_answered: int
    last_correct: int
    weakest: CategoryTrend | None
    this_week: dict[str, tuple[int, int]]
    last_week: dict[str, tuple[int, int]]

    @property
    def accuracy(self) -> int | None:
        """Percent right this week."""
        return round(100 * self.correct / self.answered) if self.answered else None

    @property
    def last_accuracy(self) -> int | None:
        """Percent right the week before."""
        return round(100 * self.last_correct / self.last_answered) if self.last_answered else None


def build_digest(store: Store, kb: KnowledgeBase, channel_id: str, now: datetime) -> Digest:
    """The digest for the 7 days before ``now``, against the 7 days before those."""
    start, before = now - timedelta(days=7), now - timedelta(days=14)
    top = store.reports.top_answerers(channel_id, start, now, TOP)
    forgotten = store.people.forgotten_hashes()
    this_week = category_window(store, channel_id, start, now)
    last_week = category_window(store, channel_id, before, start)
    return Digest(
        channel_id=channel_id,
        start=start,
        end=now,
        top=tuple(
            (t.key, t.correct, t.answered)
            for t in top
            if t.correct and store.people.user_hash(t.key) not in forgotten
        ),
        answered=sum(n for n, _ in this_week.values()),
        correct=sum(ok for _, ok in this_week.values()),
        last_answered=sum(n for n, _ in last_week.values()),
        last_correct=sum(ok for _, ok in last_week.values()),
        weakest=weak_spots(store, kb, channel_id, now).weakest,
        this_week=this_week,
        last_week=last_week,
    )


@dataclass(frozen=True)
class DigestSchedule:
    """A channel's digest: one weekday and time in a time zone."""

    channel_id: str
    rule: Rule
    enabled_since: datetime

    @property
    def weekday(self) -> int:
        """0 = Monday."""
        return next(iter(self.rule.weekdays))

    def due_this_week(self, now: datetime) -> tuple[str, datetime]:
        """(week key, the instant this week's digest is due), in the rule's time zone."""
        zone = ZoneInfo(self.rule.tz)
        local = now.astimezone(zone)
        monday = local.date() - timedelta(days=local.weekday())
        day = monday + timedelta(days=self.weekday)
        due = datetime.combine(day, self.rule.at, tzinfo=zone)
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}", due

    def describe(self) -> str:
        """E.g. "Fridays at 16:00 (Europe/Paris)"."""
        return f"{DAY_NAMES[self.weekday]} at {self.rule.at:%H:%M} ({self.rule.tz})"


_TIME = re.compile(r"^\d{1,2}([:h.]\d{2})?\s*(am|pm)?$", re.IGNORECASE)


def parse_digest_rule(args: str, default_tz: str | None) -> Rule:
    """'[day] [HH:MM] [time zone]' with one day; defaults Friday 16:00 (ScheduleError)."""
    tokens = args.split()
    if not any(t.lower()[:3] in WEEKDAY_NAMES for t in tokens):
        tokens.append("fri")
    if not any(_TIME.match(t) and not t.isdigit() for t in tokens):
        tokens.append("16:00")
    rule = parse_rule(tokens, default_tz=default_tz)
    if len(rule.weekdays) != 1:
        raise ScheduleError("the digest is weekly: give one day, e.g. `digest on fri 16:00`")
    return rule


class DigestPublisher(Protocol):
    """What posts a claimed digest in the chat (the Slack runner, bot/slack/digest_runner.py)."""

    def publish(self, channel_id: str, claim: int) -> bool:
        """Post the channel's digest for the claim; False when it could not."""
        ...


class Digests:
    """The digest schedules and weekly claims, in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def turn_on(
        self, channel_id: str, args: str, *, default_tz: str | None, user_id: str | None,
    ) -> DigestSchedule:  # fmt: skip
        """Save the channel's digest schedule (ScheduleError for bad arguments)."""
        rule = parse_digest_rule(args, default_tz)
        row = self.store.digests.save(
            channel_id,
            weekday=next(iter(rule.weekdays)),
            at=f"{rule.at:%H:%M}",
            tz=rule.tz,
            updated_by=user_id,
        )
        return _schedule(row)

    def turn_off(self, channel_id: str, user_id: str | None) -> bool:
        """Stop the channel's digest; True when it was on."""
        return self.store.digests.disable(channel_id, updated_by=user_id)

    def schedule(self, channel_id: str) -> DigestSchedule | None:
        """The channel's digest when it is on."""
        row = self.store.digests.get(channel_id)
        return _schedule(row) if row is not None and row.enabled else None

    def enabled(self) -> list[DigestSchedule]:
        """Every digest that is on."""
        return [_schedule(row) for row in self.store.digests.enabled()]

    def claim_due(self, now: datetime) -> list[tuple[str, int]]:
        """Claim this week's digest of every channel where it is due: (channel, claim id) each."""
        claimed = []
        for schedule in self.enabled():
            week, due = schedule.due_this_week(now)
            if now < due or due < schedule.enabled_since:
                continue
            claim = self.claim(schedule.channel_id, week)
            if claim is not None:
                claimed.append((schedule.channel_id, claim))
        return claimed

    def claim(self, channel_id: str, week: str | None) -> int | None:
        """Claim one post (week None: a manual one, never refused); None when already claimed."""
        return self.store.digests.claim(channel_id, week)

    def mark(self, claim_id: int, status: Literal["posted", "failed"]) -> None:
        """Record how the claimed post went."""
        self.store.digests.mark(claim_id, status)


def _schedule(row: DigestRow) -> DigestSchedule:
    hour, minute = (int(x) for x in row.at.split(":"))
    rule = Rule(at=time(hour, minute), tz=row.tz, weekdays=frozenset({row.weekday}))
    return DigestSchedule(row.channel_id, rule, row.enabled_since)
