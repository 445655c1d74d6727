"""Reporting periods: keywords, months, quarters and years, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.training.periods import PeriodError, looks_like_period, parse_period

NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("month", "2026-11", datetime(2026, 11, 1), datetime(2026, 12, 1)),
        ("quarter", "2026-Q4", datetime(2026, 10, 1), datetime(2027, 1, 1)),
        ("year", "2026", datetime(2026, 1, 1), datetime(2027, 1, 1)),
        ("2026-12", "2026-12", datetime(2026, 12, 1), datetime(2027, 1, 1)),
        ("2026-q1", "2026-Q1", datetime(2026, 1, 1), datetime(2026, 4, 1)),
        ("2025Q4", "2025-Q4", datetime(2025, 10, 1), datetime(2026, 1, 1)),
        (None, "2026-11", datetime(2026, 11, 1), datetime(2026, 12, 1)),
    ],
)
def test_parse(text, label, start, end):
    period = parse_period(text, NOW)
    assert period.label == label
    assert (period.start, period.end) == (start.replace(tzinfo=UTC), end.replace(tzinfo=UTC))


def test_previous_crosses_years():
    assert parse_period("2026-01", NOW).previous().label == "2025-12"
    assert parse_period("2026-Q1", NOW).previous().label == "2025-Q4"
    assert parse_period("2026", NOW).previous().label == "2025"


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "last week", "soon"])
def test_unknown_periods_are_refused(text):
    with pytest.raises(PeriodError):
        parse_period(text, NOW)


def test_looks_like_period():
    assert looks_like_period("2026-Q4") and looks_like_period("month")
    assert not looks_like_period("#security") and not looks_like_period("phishing")
