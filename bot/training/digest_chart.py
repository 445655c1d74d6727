"""The weekly digest's chart: over a window long enough to have answers in most categories.

With one daily question a week touches five categories at most, so a chart of this week against
last week read "no answers" on most rows. The chart therefore compares the shortest window of
WINDOWS_WEEKS (this week, the last 4 weeks, the last 12) that leaves at most a third of the
shown categories without answers, against the window of the same length before it (a young
channel's earlier window may still be thin: that is history, and the bars say "no answers").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.quiz.insight import category_window
from bot.store import Store
from bot.training.chart import Totals, chart_categories

WINDOWS_WEEKS = (1, 4, 12)
MAX_EMPTY_SHARE = 1 / 3  # of the categories shown, at most this share may lack answers


@dataclass(frozen=True)
class ChartWindow:
    """What the digest's chart shows: two windows of ``weeks`` and their totals by category."""

    weeks: int
    this: Totals
    last: Totals

    @property
    def this_label(self) -> str:
        """The newer window's name on the chart."""
        return "this week" if self.weeks == 1 else f"the last {self.weeks} weeks"

    @property
    def last_label(self) -> str:
        """The older window's name on the chart."""
        return "last week" if self.weeks == 1 else f"the {self.weeks} weeks before"

    @property
    def title(self) -> str:
        """The chart's title."""
        return f"Accuracy by category, {self.this_label} vs {self.last_label}"


def empty_share(this: Totals, last: Totals) -> float:
    """The share of shown categories with no answers in the newer window (1.0: nothing shown)."""
    names = chart_categories(this, last)
    if not names:
        return 1.0
    return sum(1 for c in names if not this.get(c, (0, 0))[0]) / len(names)


def chart_window(store: Store, channel_id: str, now: datetime) -> ChartWindow:
    """The shortest window whose chart has answers on most rows (else the longest)."""
    chosen = None
    for weeks in WINDOWS_WEEKS:
        span = timedelta(weeks=weeks)
        this = category_window(store, channel_id, now - span, now)
        last = category_window(store, channel_id, now - 2 * span, now - span)
        chosen = ChartWindow(weeks, this, last)
        if empty_share(this, last) <= MAX_EMPTY_SHARE:
            break
    assert chosen is not None
    return chosen
