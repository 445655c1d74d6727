"""Daily quiz schedule rules: parse ``daily on [HH:MM] [time zone] [weekdays]``, find due times.

A rule is a local time of day, an IANA time zone and a set of weekdays. Every scheduled day has one
*slot*; its key (channel and local date) is what the store makes unique, so a slot is posted at
most once however many times the bot restarts. A slot missed while the bot was down is still due
later the same local day (catch-up), and never on another day. No Slack here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.clock import as_utc

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
DEFAULT_TIME = time(9, 0)
DEFAULT_TZ = "UTC"

_DAY_ALIASES = {
    "monday": 0,
    "tues": 1,
    "tuesday": 1,
    "wednesday": 2,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
    **{name: i for i, name in enumerate(WEEKDAY_NAMES)},
}
_DAY_SETS = {
    "weekdays": WORKDAYS,
    "workdays": WORKDAYS,
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "all": EVERY_DAY,
}
_TIME_RE = re.compile(r"^(\d{1,2})(?:[:h.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


class ScheduleError(ValueError):
    """A schedule rule could not be understood; the message says what to write instead."""


@dataclass(frozen=True)
class Rule:
    """When a channel's daily quiz posts: local time, time zone and weekdays (0 = Monday)."""

    at: time = DEFAULT_TIME
    tz: str = DEFAULT_TZ
    weekdays: frozenset[int] = WORKDAYS

    @property
    def zone(self) -> ZoneInfo:
        """The rule's time zone."""
        return ZoneInfo(self.tz)

    def describe(self) -> str:
        """A short human description, e.g. '09:00 Europe/Paris, mon-fri'."""
        return f"{self.at:%H:%M} {self.tz}, {format_weekdays(self.weekdays)}"

    def weekdays_text(self) -> str:
        """The weekdays as stored: comma-separated short names, Monday first."""
        return ",".join(WEEKDAY_NAMES[d] for d in sorted(self.weekdays))


@dataclass(frozen=True)
class Slot:
    """One scheduled occurrence: the local date it belongs to and the instant it is due (UTC)."""

    local_date: date
    due_at: datetime

    def key(self, channel_id: str) -> str:
        """The unique key of this slot in a channel."""
        return f"daily:{channel_id}:{self.local_date.isoformat()}"


def zone(tz: str | None) -> ZoneInfo:
    """The time zone named ``tz``, UTC when it is missing or unknown."""
    try:
        return ZoneInfo(tz or "UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def format_local(when: datetime, tz: str) -> str:
    """``when`` in zone ``tz``, e.g. 'Mon 02 Mar 09:00 (Europe/Paris)'."""
    return when.astimezone(zone(tz)).strftime("%a %d %b %H:%M") + f" ({tz})"


def format_weekdays(days: frozenset[int]) -> str:
    """Describe a weekday set compactly: 'mon-fri', 'every day', 'mon,wed,fri'."""
    if days == EVERY_DAY:
        return "every day"
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{WEEKDAY_NAMES[ordered[0]]}-{WEEKDAY_NAMES[ordered[-1]]}"
    return ",".join(WEEKDAY_NAMES[d] for d in ordered)


def parse_weekdays_text(text: str) -> frozenset[int]:
    """Parse the stored weekday text ('mon,tue') back into a set."""
    days = _parse_days(text)
    if days is None:
        raise ScheduleError(f"not a weekday list: {text!r}")
    return days


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def resolve_tz(name: str) -> str:
    """Return the canonical IANA name for ``name`` (case-insensitive), or raise ScheduleError."""
    canonical = _zone_names().get(name.strip().lower())
    if canonical is None and name.strip().upper() in {"UTC", "GMT", "Z"}:
        canonical = "UTC"
    if canonical is None:
        raise ScheduleError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Paris or America/New_York"
        )
    try:
        ZoneInfo(canonical)
    except ZoneInfoNotFoundError as exc:  # listed but unreadable: broken tz data
        raise ScheduleError(f"time zone {name!r} is not available on this machine") from exc
    return canonical


def _parse_time(token: str) -> time | None:
    match = _TIME_RE.match(token)
    if not match:
        return None
    hour, minute, meridiem = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
    if match[2] is None and not meridiem:
        return None  # a bare number is not a time ("9" is ambiguous); ask for 09:00
    if meridiem:
        if not 1 <= hour <= 12:
            raise ScheduleError(f"{token!r} is not a time; write HH:MM, e.g. 09:30")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"{token!r} is not a time; write HH:MM, e.g. 09:30")
    return time(hour, minute)


def _parse_day(token: str) -> int | None:
    token = token.lower()
    return _DAY_ALIASES.get(token, _DAY_ALIASES.get(token.removesuffix("s")))


def _parse_days(token: str) -> frozenset[int] | None:
    token = token.lower().strip(",")
    if token in _DAY_SETS:
        return _DAY_SETS[token]
    days: set[int] = set()
    for part in filter(None, token.split(",")):
        if "-" in part:
            start_text, _, end_text = part.partition("-")
            start, end = _parse_day(start_text), _parse_day(end_text)
            if start is None or end is None:
                return None
            day = start
            days.add(day)
            while day != end:  # wraps around the week: "fri-mon" is fri, sat, sun, mon
                day = (day + 1) % 7
                days.add(day)
        else:
            one = _parse_day(part)
            if one is None:
                return None
            days.add(one)
    return frozenset(days) or None


def parse_rule(args: str | list[str], *, default_tz: str | None = None) -> Rule:
    """Parse '[HH:MM] [time zone] [weekdays]' in any order; defaults: 09:00, default_tz, mon-fri."""
    tokens = args.split() if isinstance(args, str) else [t for a in args for t in a.split()]
    at: time | None = None
    tz: str | None = None
    days: set[int] = set()
    for token in tokens:
        parsed_time = _parse_time(token)
        if parsed_time is not None:
            if at is not None:
                raise ScheduleError("give one time of day, e.g. `daily on 09:30`")
            at = parsed_time
            continue
        parsed_days = _parse_days(token)
        if parsed_days is not None:
            days |= parsed_days
            continue
        if "/" in token or token.upper() in {"UTC", "GMT"}:
            if tz is not None:
                raise ScheduleError("give one time zone, e.g. `daily on 09:30 Europe/Paris`")
            tz = resolve_tz(token)
            continue
        raise ScheduleError(
            f"I don't understand {token!r}. Try `daily on 09:30 Europe/Paris mon-fri` "
            "(time HH:MM, an IANA time zone, weekdays such as mon-fri or mon,wed,fri)."
        )
    zone = tz or (resolve_tz(default_tz) if default_tz else DEFAULT_TZ)
    return Rule(at=at or DEFAULT_TIME, tz=zone, weekdays=frozenset(days) or WORKDAYS)


def slot_on(rule: Rule, local_date: date) -> Slot | None:
    """The slot of ``local_date`` under ``rule``, or None when that weekday is not scheduled."""
    if local_date.weekday() not in rule.weekdays:
        return None
    local = datetime.combine(local_date, rule.at, tzinfo=rule.zone)
    return Slot(local_date=local_date, due_at=as_utc(local))


def due_slot(rule: Rule, now: datetime, *, active_since: datetime | None = None) -> Slot | None:
    """Today's slot (in the rule's zone) if it is due at ``now``, else None.

    Due means: today is a scheduled weekday, its time has passed, and the schedule was already on
    at that time (turning a schedule on at 10:00 for 09:00 waits for tomorrow). A slot missed while
    the bot was down is still due until local midnight; the caller makes posting it once unique.
    """
    now = as_utc(now)
    slot = slot_on(rule, now.astimezone(rule.zone).date())
    if slot is None or slot.due_at > now:
        return None
    if active_since is not None and slot.due_at < as_utc(active_since):
        return None
    return slot


def next_slot(rule: Rule, after: datetime) -> Slot:
    """The first slot strictly after ``after``."""
    after = as_utc(after)
    day = after.astimezone(rule.zone).date()
    for offset in range(8):
        slot = slot_on(rule, day + timedelta(days=offset))
        if slot is not None and slot.due_at > after:
            return slot
    raise ScheduleError("the schedule has no weekdays")  # unreachable for a parsed rule


def deadline(posted_at: datetime, *, rule: Rule | None, reveal_hours: float | None) -> datetime:
    """When a daily post closes: the next scheduled post, or ``reveal_hours`` after it if sooner.

    With neither a schedule nor ``reveal_hours``, the post stays open for 24 hours.
    """
    posted_at = as_utc(posted_at)
    candidates = []
    if rule is not None:
        candidates.append(next_slot(rule, posted_at).due_at)
    if reveal_hours is not None and reveal_hours > 0:
        candidates.append(posted_at + timedelta(hours=reveal_hours))
    return min(candidates) if candidates else posted_at + timedelta(hours=24)
