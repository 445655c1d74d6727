"""The training report: who answered what, how well, and who answered nothing, for one period.

Slack-free. Every figure is computed from the answers themselves (the daily ``answers`` table and
answered ``practice_prompts``) at the moment the report is built, never from counters kept on the
side, so a report can always be re-derived from the rows an auditor can export.

The heavy part is a handful of grouped SQL queries (one pass over the period's answers), so a
year of daily answers by 5,000 people builds in well under two seconds (bench/bench_report.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from bot.kb.model import KnowledgeBase
from bot.store import Store
from bot.training.periods import Period

# Posts per channel read for streaks: the newest 32 first; runs that fill a window are re-read
# with the next (None: all), so long histories stay cheap and long streaks stay exact.
STREAK_WINDOWS: tuple[int | None, ...] = (32, 512, None)


@dataclass(frozen=True)
class PersonRow:
    """One person's training record in the period."""

    user_id: str
    daily_answered: int
    practice_answered: int
    correct: int
    categories_covered: int
    first_at: str | None  # ISO-8601 UTC
    last_at: str | None
    streak: int

    @property
    def answered(self) -> int:
        """Daily and practice answers together."""
        return self.daily_answered + self.practice_answered

    @property
    def accuracy(self) -> int | None:
        """Percent correct, None without answers."""
        return round(100 * self.correct / self.answered) if self.answered else None


@dataclass(frozen=True)
class CategoryRow:
    """The team's results in one category."""

    category: str
    answered: int
    correct: int
    people: int

    @property
    def accuracy(self) -> int | None:
        """Percent correct, None without answers."""
        return round(100 * self.correct / self.answered) if self.answered else None


@dataclass(frozen=True)
class RecallRow:
    """A daily question asked again in a channel: accuracy the first time and now."""

    question_id: str
    channel_id: str
    days: int
    first_answered: int
    first_correct: int
    again_answered: int
    again_correct: int

    @property
    def accuracy_then(self) -> int:
        """Percent right the first time."""
        return round(100 * self.first_correct / self.first_answered) if self.first_answered else 0

    @property
    def accuracy_now(self) -> int:
        """Percent right when asked again."""
        return round(100 * self.again_correct / self.again_answered) if self.again_answered else 0


@dataclass(frozen=True)
class Report:
    """Everything the report shows; the exports (bot/training/export.py) render it."""

    period: Period
    channel_id: str | None
    generated_at: datetime
    workspace: str
    people: tuple[PersonRow, ...]
    categories: tuple[CategoryRow, ...]
    inactive: tuple[str, ...]
    members_source: str  # "slack": the channel's member list; "history": people ofin has seen
    categories_total: int
    forgotten: int
    recall: tuple[RecallRow, ...] = field(default=())

    @property
    def answered(self) -> int:
        """All answers in the period."""
        return sum(p.answered for p in self.people)

    @property
    def correct(self) -> int:
        """All correct answers in the period."""
        return sum(p.correct for p in self.people)

    @property
    def accuracy(self) -> int | None:
        """The team's percent correct."""
        return round(100 * self.correct / self.answered) if self.answered else None

    def to_dict(self) -> dict:
        """Plain JSON-ready data (the --format json export)."""
        return {
            "period": {
                "label": self.period.label,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "channel_id": self.channel_id,
            "workspace": self.workspace,
            "generated_at": self.generated_at.isoformat(),
            "totals": {
                "people": len(self.people),
                "answered": self.answered,
                "correct": self.correct,
                "accuracy": self.accuracy,
            },
            "categories_total": self.categories_total,
            "people": [
                {
                    "user_id": p.user_id,
                    "answered": p.answered,
                    "daily_answered": p.daily_answered,
                    "practice_answered": p.practice_answered,
                    "correct": p.correct,
                    "accuracy": p.accuracy,
                    "categories_covered": p.categories_covered,
                    "first_activity": p.first_at,
                    "last_activity": p.last_at,
                    "current_streak": p.streak,
                }
                for p in self.people
            ],
            "categories": [
                {
                    "category": c.category,
                    "answered": c.answered,
                    "correct": c.correct,
                    "accuracy": c.accuracy,
                    "people": c.people,
                }
                for c in self.categories
            ],
            "no_answers": list(self.inactive),
            "no_answers_from": self.members_source,
            "recall": [
                {
                    "question_id": r.question_id,
                    "channel_id": r.channel_id,
                    "asked_again_after_days": r.days,
                    "accuracy_then": r.accuracy_then,
                    "accuracy_now": r.accuracy_now,
                    "answered_then": r.first_answered,
                    "answered_now": r.again_answered,
                }
                for r in self.recall
            ],
            "forgotten_people": self.forgotten,
        }


# --- building -------------------------------------------------------------------------------


def build_report(
    store: Store,
    kb: KnowledgeBase,
    period: Period,
    *,
    channel_id: str | None = None,
    members: list[str] | None = None,
    workspace: str = "",
) -> Report:
    """Compute the report for ``period`` (one channel's team, or everyone) from the answers.

    ``members`` is the channel's member list when the caller knows it (Slack); people in it who
    answered nothing are listed. Without it, "answered nothing" means people ofin has seen before.
    """
    rows = store.reports.answer_groups(period.start, period.end, channel_id, members)
    per_person: dict[str, dict] = {}
    per_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    category_people: dict[str, set[str]] = defaultdict(set)
    forgotten_hashes = store.people.forgotten_hashes()
    hashes: dict[str, str] = {}
    for row in rows:
        user = row.user_id
        if forgotten_hashes:  # left out of every figure, not only of the people list
            if user not in hashes:
                hashes[user] = store.people.user_hash(user)
            if hashes[user] in forgotten_hashes:
                continue
        person = per_person.setdefault(
            user,
            {"daily": 0, "practice": 0, "ok": 0, "cats": set(), "first": None, "last": None},
        )
        person["daily" if row.daily else "practice"] += row.answered
        person["ok"] += row.correct
        if person["first"] is None or row.first_at < person["first"]:
            person["first"] = row.first_at
        if person["last"] is None or row.last_at > person["last"]:
            person["last"] = row.last_at
        category = row.category
        if category:
            person["cats"].add(category)
            totals = per_category[category]
            totals[0] += row.answered
            totals[1] += row.correct
            category_people[category].add(user)

    streaks = current_streaks(store, period.end, channel_id)
    people = tuple(
        PersonRow(
            user_id=user,
            daily_answered=p["daily"],
            practice_answered=p["practice"],
            correct=p["ok"],
            categories_covered=len(p["cats"]),
            first_at=_iso(p["first"]),
            last_at=_iso(p["last"]),
            streak=streaks.get(user, 0),
        )
        for user, p in sorted(per_person.items())
    )
    quiz_categories = sorted({_category(kb, q.item_id) for q in kb.quiz_questions} - {""})
    seen = sorted(set(quiz_categories) | set(per_category))
    categories = tuple(
        CategoryRow(c, per_category[c][0], per_category[c][1], len(category_people[c]))
        for c in seen
    )
    active = {p.user_id for p in people}
    if members is not None:
        source, candidates = "slack", list(members)
    else:
        source, candidates = "history", store.reports.known_people(period.end, channel_id)
    inactive = tuple(
        sorted(
            u
            for u in set(candidates)
            if u not in active and store.people.user_hash(u) not in forgotten_hashes
        )
    )
    return Report(
        period=period,
        channel_id=channel_id,
        generated_at=store.clock.now(),
        workspace=workspace or store.team,
        people=people,
        categories=categories,
        inactive=inactive,
        members_source=source,
        categories_total=len(quiz_categories),
        forgotten=len(forgotten_hashes),
        recall=recall_rows(store, period, channel_id),
    )


def category_totals(
    store: Store, period: Period, channel_id: str | None = None, members: list[str] | None = None
) -> dict[str, tuple[int, int]]:
    """(answered, correct) per category in the period, counted as the report counts them."""
    return store.reports.category_tallies(period.start, period.end, channel_id, members)


def _iso(stored: str | None) -> str | None:
    """Stored text -> ISO-8601 with a Z, second precision (what an auditor reads)."""
    if not stored:
        return None
    return stored[:19] + "Z"


def _category(kb: KnowledgeBase, item_id: str) -> str:
    item = kb.item(item_id)
    return item.category if item else ""


def current_streaks(store: Store, end: datetime, channel_id: str | None = None) -> dict[str, int]:
    """Each person's current streak (their best channel) as of ``end``, as quiz.rules.streak counts.

    A streak is the run of a channel's newest posts answered right; the newest post, while still
    open and unanswered, does not break it. Only the newest posts of each channel are read, and
    runs that fill that window are re-read with a larger one (STREAK_WINDOWS).
    """
    found = _streaks(store, end, channel_id, STREAK_WINDOWS[0], None)
    for before, window in zip(STREAK_WINDOWS, STREAK_WINDOWS[1:], strict=False):
        # A run of window - 1 may be a full window behind a skipped open post.
        long_runs = sorted({user for (user, _), n in found.items() if n >= (before or 0) - 1})
        if not long_runs:
            break
        found.update(_streaks(store, end, channel_id, window, long_runs))
    best: dict[str, int] = {}
    for (user, _), n in found.items():
        best[user] = max(best.get(user, 0), n)
    return best


def _streaks(
    store: Store,
    end: datetime,
    channel_id: str | None,
    window: int | None,
    users: list[str] | None,
) -> dict[tuple[str, str], int]:
    runs = store.reports.streak_runs(end, channel_id, window, users)
    # People who already answered the newest post of a channel where it is still open.
    newest_open = store.reports.newest_open(end, channel_id)
    open_channels = {channel for channel, _ in newest_open}
    answered_open = {(user, channel) for channel, user in newest_open if user}
    out: dict[tuple[str, str], int] = {}
    for run in runs:
        key = (run.user_id, run.channel_id)
        skip_open = run.channel_id in open_channels and key not in answered_open
        out[key] = run.run_after_open if skip_open else run.run
    return out


def recall_rows(store: Store, period: Period, channel_id: str | None) -> tuple[RecallRow, ...]:
    """Daily questions asked again in a channel during the period, with accuracy then and now."""
    return tuple(
        RecallRow(
            p.question_id,
            p.channel_id,
            p.days,
            p.first_answered,
            p.first_correct,
            p.again_answered,
            p.again_correct,
        )
        for p in store.reports.recall_pairs(period.start, period.end, channel_id)
    )


def answer_rows(
    store: Store, period: Period, channel_id: str | None = None, members: list[str] | None = None
) -> list[dict]:
    """Every answer in the period, one dict each, by person then time (the --answers export)."""
    from bot.quiz.versions import VersionLookup

    rows = store.reports.answer_details(period.start, period.end, channel_id, members)
    forgotten = store.people.forgotten_hashes()
    versions = VersionLookup(store)
    return [
        {
            "user_id": r.user_id,
            "answered_at": _iso(r.answered_at),
            "kind": "daily" if r.daily else "practice",
            "channel_id": r.channel_id or "",
            "question_id": r.question_id,
            "question_version": versions.at(r.question_id or "", r.answered_at),
            "category": r.category or "",
            "answer": r.choice or "",
            "correct": "right" if r.correct else "wrong",
        }
        for r in rows
        if store.people.user_hash(r.user_id) not in forgotten
    ]
