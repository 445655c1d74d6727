"""Daily schedule rules with a controllable clock: parsing, time zones, weekdays, catch-up."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.quiz.schedule import (
    WORKDAYS,
    Rule,
    ScheduleError,
    deadline,
    due_slot,
    format_weekdays,
    next_slot,
    parse_rule,
    resolve_tz,
)

PARIS = "Europe/Paris"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_defaults_are_nine_weekdays_and_the_admins_zone():
    rule = parse_rule("", default_tz="europe/paris")
    assert rule == Rule(time(9, 0), PARIS, WORKDAYS)
    assert parse_rule("").tz == "UTC"


@pytest.mark.parametrize(
    ("text", "at", "tz", "days"),
    [
        ("08:30", time(8, 30), "UTC", "mon-fri"),
        ("9:05 America/New_York", time(9, 5), "America/New_York", "mon-fri"),
        ("mon,wed,fri 14:00", time(14), "UTC", "mon,wed,fri"),
        ("tue-thu 7am Asia/Tokyo", time(7), "Asia/Tokyo", "tue-thu"),
        ("2:30pm daily", time(14, 30), "UTC", "every day"),
        ("10:00 sat sun", time(10), "UTC", "sat,sun"),
        ("fri-mon 12:00", time(12), "UTC", "mon,fri,sat,sun"),
        ("weekdays 9h15 utc", time(9, 15), "UTC", "mon-fri"),
    ],
)
def test_parse_rule(text, at, tz, days):
    rule = parse_rule(text)
    assert (rule.at, rule.tz, format_weekdays(rule.weekdays)) == (at, tz, days)


@pytest.mark.parametrize("text", ["25:00", "9", "Mars/Olympus", "someday", "09:00 10:00", "13pm"])
def test_parse_rule_rejects_nonsense_with_a_hint(text):
    with pytest.raises(ScheduleError):
        parse_rule(text)


def test_resolve_tz_is_case_insensitive():
    assert resolve_tz("AMERICA/los_angeles") == "America/Los_Angeles"


def test_due_slot_uses_the_rules_zone():
    rule = parse_rule("09:00 Asia/Tokyo")  # 09:00 JST = 00:00 UTC
    monday_before = utc(2026, 3, 1, 23, 59)  # Monday 08:59 in Tokyo
    assert due_slot(rule, monday_before) is None
    slot = due_slot(rule, utc(2026, 3, 2, 0, 0))
    assert slot is not None and slot.local_date == date(2026, 3, 2)
    assert slot.due_at == utc(2026, 3, 2, 0, 0)
    assert slot.key("C1") == "daily:C1:2026-03-02"


def test_no_slot_on_weekends():
    rule = parse_rule("09:00 UTC")
    assert due_slot(rule, utc(2026, 3, 7, 12)) is None  # Saturday
    assert due_slot(rule, utc(2026, 3, 8, 12)) is None  # Sunday
    assert due_slot(rule, utc(2026, 3, 9, 12)) is not None  # Monday


def test_catch_up_same_local_day_but_not_the_next():
    rule = parse_rule(f"09:00 {PARIS}")  # 08:00 UTC in March (CET)
    slot = due_slot(rule, utc(2026, 3, 4, 16, 0))  # bot back at 17:00 Paris
    assert slot is not None and slot.local_date == date(2026, 3, 4)
    # Back at 23:30 Paris: still that day. At 00:30 Paris the next day: a new day, not yet due.
    assert due_slot(rule, utc(2026, 3, 4, 22, 30)).local_date == date(2026, 3, 4)
    assert due_slot(rule, utc(2026, 3, 4, 23, 30)) is None


def test_turning_on_after_todays_time_waits_for_tomorrow():
    rule = parse_rule("09:00 UTC")
    active_since = utc(2026, 3, 4, 10, 0)
    assert due_slot(rule, utc(2026, 3, 4, 10, 1), active_since=active_since) is None
    assert due_slot(rule, utc(2026, 3, 5, 9, 0), active_since=active_since) is not None
    assert next_slot(rule, active_since).due_at == utc(2026, 3, 5, 9, 0)


def test_next_slot_skips_the_weekend_and_follows_dst():
    rule = parse_rule(f"09:00 {PARIS}")
    friday_after = utc(2026, 3, 27, 10, 0)
    nxt = next_slot(rule, friday_after)
    # Summer time starts on Sunday 29 March 2026: Monday 09:00 Paris is 07:00 UTC.
    assert nxt.local_date == date(2026, 3, 30)
    assert nxt.due_at == utc(2026, 3, 30, 7, 0)


def test_deadline_is_the_next_post_or_the_reveal_hours_if_sooner():
    rule = parse_rule("09:00 UTC")
    posted = utc(2026, 3, 6, 9, 0)  # Friday
    assert deadline(posted, rule=rule, reveal_hours=None) == utc(2026, 3, 9, 9, 0)
    assert deadline(posted, rule=rule, reveal_hours=4) == posted + timedelta(hours=4)
    assert deadline(posted, rule=None, reveal_hours=None) == posted + timedelta(hours=24)
