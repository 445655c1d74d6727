"""Reporting periods: "month", "quarter", "2026-11", "2026-Q4", "2026" -> a [start, end) in UTC.

Reports are evidence for auditors, so their boundaries are the same for everyone: calendar
months, quarters and years in UTC, whatever the reader's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

KEYWORDS = ("month", "quarter", "year")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")


class PeriodError(ValueError):
    """The text names no period we know."""


@dataclass(frozen=True)
class Period:
    """A half-open interval [start, end) of UTC instants with a label such as "2026-Q4"."""

    label: str
    kind: str  # "month" | "quarter" | "year"
    start: datetime
    end: datetime

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        if self.kind == "month":
            year, month = self.start.year, self.start.month - 1
            if month == 0:
                year, month = year - 1, 12
            return month_period(year, month)
        if self.kind == "quarter":
            year, quarter = self.start.year, (self.start.month - 1) // 3
            if quarter == 0:
                year, quarter = year - 1, 4
            return quarter_period(year, quarter)
        return year_period(self.start.year - 1)

    def contains(self, when: datetime) -> bool:
        """True when ``when`` falls in the period."""
        return self.start <= when < self.end


def _first(year: int, month: int) -> datetime:
    while month > 12:
        year, month = year + 1, month - 12
    return datetime(year, month, 1, tzinfo=UTC)


def month_period(year: int, month: int) -> Period:
    """The calendar month ``year``-``month`` in UTC."""
    if not 1 <= month <= 12:
        raise PeriodError(f"there is no month {month}")
    return Period(f"{year:04d}-{month:02d}", "month", _first(year, month), _first(year, month + 1))


def quarter_period(year: int, quarter: int) -> Period:
    """Quarter ``quarter`` (1-4) of ``year`` in UTC."""
    first = 3 * (quarter - 1) + 1
    return Period(f"{year:04d}-Q{quarter}", "quarter", _first(year, first), _first(year, first + 3))


def year_period(year: int) -> Period:
    """The calendar year in UTC."""
    return Period(f"{year:04d}", "year", _first(year, 1), _first(year + 1, 1))


def parse_period(text: str | None, now: datetime, default: str = "month") -> Period:
    """Read a period; "month", "quarter" and "year" mean the current one (else PeriodError)."""
    word = (text or default).strip().lower()
    now = now.astimezone(UTC)
    if word in ("month", "this month"):
        return month_period(now.year, now.month)
    if word in ("quarter", "this quarter"):
        return quarter_period(now.year, (now.month - 1) // 3 + 1)
    if word in ("year", "this year"):
        return year_period(now.year)
    if match := _MONTH.match(word):
        return month_period(int(match.group(1)), int(match.group(2)))
    if match := _QUARTER.match(word):
        return quarter_period(int(match.group(1)), int(match.group(2)))
    if match := _YEAR.match(word):
        return year_period(int(match.group(1)))
    raise PeriodError(
        f'"{text}" is not a period: use month, quarter, year, YYYY-MM (2026-11), YYYY-Qn (2026-Q4) '
        "or YYYY."
    )


def looks_like_period(word: str) -> bool:
    """True when ``word`` could be a period (used to tell arguments apart)."""
    word = word.strip().lower()
    return word in KEYWORDS or bool(_MONTH.match(word) or _QUARTER.match(word) or _YEAR.match(word))
