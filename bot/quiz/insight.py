"""Team weak spots: where a channel's understanding is weak, and which items it misses most.

Slack-free; computed from the channel's daily answers each time (never from stored counters).
A channel is a team: its daily quiz is what everyone in it answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.kb.model import KnowledgeBase
from bot.store import Store

SHORT_WEEKS = 4
LONG_WEEKS = 12
TREND_POINTS = 5  # a change smaller than this many percentage points is "steady"
MOST_MISSED = 3


@dataclass(frozen=True)
class CategoryTrend:
    """A category's accuracy over the last 4 and 12 weeks; ``trend`` is "up", "down" or "steady"."""

    category: str
    answered_4w: int
    correct_4w: int
    answered_12w: int
    correct_12w: int

    @property
    def accuracy_4w(self) -> int | None:
        """Percent right over 4 weeks."""
        return round(100 * self.correct_4w / self.answered_4w) if self.answered_4w else None

    @property
    def accuracy_12w(self) -> int | None:
        """Percent right over 12 weeks."""
        return round(100 * self.correct_12w / self.answered_12w) if self.answered_12w else None

    @property
    def trend(self) -> str:
        """The last 4 weeks against the 8 before them."""
        before_n = self.answered_12w - self.answered_4w
        if not self.answered_4w or not before_n:
            return "steady"
        before = 100 * (self.correct_12w - self.correct_4w) / before_n
        now = 100 * self.correct_4w / self.answered_4w
        if now - before >= TREND_POINTS:
            return "up"
        if before - now >= TREND_POINTS:
            return "down"
        return "steady"


@dataclass(frozen=True)
class MissedItem:
    """An item the team often gets wrong."""

    item_id: str
    title: str
    answered: int
    missed: int

    @property
    def miss_rate(self) -> int:
        """Percent of answers that were wrong."""
        return round(100 * self.missed / self.answered) if self.answered else 0


@dataclass(frozen=True)
class WeakSpots:
    """A channel's categories (weakest first over 4 weeks) and its most missed items."""

    channel_id: str
    categories: tuple[CategoryTrend, ...]
    most_missed: tuple[MissedItem, ...]

    @property
    def weakest(self) -> CategoryTrend | None:
        """The category with the lowest 4-week accuracy (None without answers)."""
        answered = [c for c in self.categories if c.answered_4w]
        return answered[0] if answered else None


def category_window(
    store: Store, channel_id: str, start: datetime, end: datetime
) -> dict[str, tuple[int, int]]:
    """(answered, correct) per category of the channel's daily answers in [start, end)."""
    return store.reports.category_window(channel_id, start, end)


def weak_spots(store: Store, kb: KnowledgeBase, channel_id: str, now: datetime) -> WeakSpots:
    """Accuracy by category over 4 and 12 weeks with the trend, and the three most missed items."""
    short = category_window(store, channel_id, now - timedelta(weeks=SHORT_WEEKS), now)
    long = category_window(store, channel_id, now - timedelta(weeks=LONG_WEEKS), now)
    trends = [CategoryTrend(c, *short.get(c, (0, 0)), *long.get(c, (0, 0))) for c in sorted(long)]
    trends.sort(
        key=lambda t: (
            t.accuracy_4w is None,
            t.accuracy_4w if t.accuracy_4w is not None else 0,
            t.category,
        )
    )
    rows = store.reports.most_missed(
        channel_id, now - timedelta(weeks=LONG_WEEKS), now, MOST_MISSED
    )
    missed = tuple(
        MissedItem(
            r.item_id,
            item.title if (item := kb.item(r.item_id)) else r.item_id,
            r.answered,
            r.missed,
        )
        for r in rows
    )
    return WeakSpots(channel_id, tuple(trends), missed)
