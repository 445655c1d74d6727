"""The training report: who answered what, how well, and who answered nothing, for one period.

Slack-free. Every figure is computed from the answers themselves (the daily ``answers`` table and
answered ``practice_prompts``) at the moment the report is built, never from counters kept on the
side, so a report can always be re-derived from the rows an auditor can export.

The heavy part is a handful of grouped SQL queries (one pass over the period's answers), so a
year of daily answers by 5,000 people builds in well under two seconds (bench/bench_report.py).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from bot.kb.model import KnowledgeBase
from bot.store import REPORT_INDEX, Store, ts
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


def _answers_sql(
    channel_id: str | None, members: list[str] | None, *, for_grouping: bool = False
) -> tuple[str, str, dict]:
    """The period's daily and practice answers as two queries, with their parameters.

    ``for_grouping``: read the daily answers through the report index, whose order is the
    grouping order, so SQLite streams the groups instead of sorting a year of rows.
    """
    daily_where = "answered_at >= :start AND answered_at < :end"
    practice_where = "answered_at IS NOT NULL AND answered_at >= :start AND answered_at < :end"
    params: dict = {}
    index = ""
    if channel_id is not None:
        daily_where += " AND channel_id = :channel"
        # Practice is personal: a team member's practice counts wherever they practised.
        practice_where += (
            " AND (user_id IN (SELECT DISTINCT user_id FROM answers WHERE channel_id = :channel)"
            " OR user_id IN (SELECT value FROM json_each(:members)))"
        )
        params = {"channel": channel_id, "members": json.dumps(members or [])}
    elif for_grouping:
        index = f"INDEXED BY {REPORT_INDEX}"
    columns = (
        "user_id, category, correct, answered_at"
        if for_grouping
        else "user_id, category, correct, answered_at, channel_id, question_id, choice"
    )
    daily = f"SELECT {columns}, 1 AS daily, post_id AS source_id FROM answers {index} "
    daily += f"WHERE {daily_where}"
    practice = f"SELECT {columns}, 0 AS daily, id FROM practice_prompts WHERE {practice_where}"
    return daily, practice, params


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
    bounds = {"start": ts(period.start), "end": ts(period.end)}
    daily, practice, params = _answers_sql(channel_id, members, for_grouping=True)
    params = {**params, **bounds}
    group = (
        "SELECT user_id, category, daily, COUNT(*) AS n, SUM(correct) AS ok, "
        "MIN(answered_at) AS first_at, MAX(answered_at) AS last_at FROM ({}) "
        "GROUP BY user_id, category"
    )
    rows = store.query(group.format(daily), params) + store.query(group.format(practice), params)
    per_person: dict[str, dict] = {}
    per_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    category_people: dict[str, set[str]] = defaultdict(set)
    forgotten_hashes = store.forgotten_hashes()
    hashes: dict[str, str] = {}
    for row in rows:
        user = row["user_id"]
        if forgotten_hashes:  # left out of every figure, not only of the people list
            if user not in hashes:
                hashes[user] = store.user_hash(user)
            if hashes[user] in forgotten_hashes:
                continue
        person = per_person.setdefault(
            row["user_id"],
            {"daily": 0, "practice": 0, "ok": 0, "cats": set(), "first": None, "last": None},
        )
        person["daily" if row["daily"] else "practice"] += row["n"]
        person["ok"] += row["ok"] or 0
        if person["first"] is None or row["first_at"] < person["first"]:
            person["first"] = row["first_at"]
        if person["last"] is None or row["last_at"] > person["last"]:
            person["last"] = row["last_at"]
        category = row["category"]
        if category:
            person["cats"].add(category)
            totals = per_category[category]
            totals[0] += row["n"]
            totals[1] += row["ok"] or 0
            category_people[category].add(row["user_id"])

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
        source, candidates = "history", _known_people(store, period, channel_id)
    inactive = tuple(
        sorted(
            u
            for u in set(candidates)
            if u not in active and store.user_hash(u) not in forgotten_hashes
        )
    )
    return Report(
        period=period,
        channel_id=channel_id,
        generated_at=store.clock.now(),
        workspace=workspace or _workspace(store),
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
    daily, practice, params = _answers_sql(channel_id, members)
    params = {**params, "start": ts(period.start), "end": ts(period.end)}
    totals: dict[str, tuple[int, int]] = {}
    for sql in (daily, practice):
        for row in store.query(
            f"SELECT category, COUNT(*) AS n, SUM(correct) AS ok FROM ({sql}) "
            "WHERE category IS NOT NULL GROUP BY category",
            params,
        ):
            n, ok = totals.get(row["category"], (0, 0))
            totals[row["category"]] = (n + row["n"], ok + (row["ok"] or 0))
    return totals


def _iso(stored: str | None) -> str | None:
    """Stored text -> ISO-8601 with a Z, second precision (what an auditor reads)."""
    if not stored:
        return None
    return stored[:19] + "Z"


def _category(kb: KnowledgeBase, item_id: str) -> str:
    item = kb.item(item_id)
    return item.category if item else ""


def _workspace(store: Store) -> str:
    rows = store.query(
        "SELECT DISTINCT team_id FROM quiz_posts WHERE team_id IS NOT NULL ORDER BY team_id"
    )
    return ", ".join(r["team_id"] for r in rows)


def _known_people(store: Store, period: Period, channel_id: str | None) -> list[str]:
    """People ofin has seen before the period ended (in the channel, when one is given)."""
    end = ts(period.end)
    if channel_id is not None:
        sql = "SELECT DISTINCT user_id FROM answers WHERE channel_id = ? AND answered_at < ?"
        return [r["user_id"] for r in store.query(sql, [channel_id, end])]
    # Three small queries rather than one UNION, so each can use its own index.
    users = store.query("SELECT user_id FROM users WHERE first_seen < ?", [end])
    found = {r["user_id"] for r in users}
    found.update(
        r["user_id"]
        for r in store.query(
            f"SELECT DISTINCT user_id FROM answers INDEXED BY {REPORT_INDEX} WHERE answered_at < ?",
            [end],
        )
    )
    found.update(
        r["user_id"]
        for r in store.query(
            "SELECT DISTINCT user_id FROM practice_prompts "
            "WHERE answered_at IS NOT NULL AND answered_at < ?",
            [end],
        )
    )
    return sorted(found)


def current_streaks(store: Store, end: datetime, channel_id: str | None = None) -> dict[str, int]:
    """Each person's current streak (their best channel) as of ``end``, as quiz.rules.streak counts.

    A streak is the run of a channel's newest posts answered right; the newest post, while still
    open and unanswered, does not break it. Only the newest posts of each channel are read, and
    runs that fill that window are re-read with a larger one (STREAK_WINDOWS).
    """
    found = _streaks(store, ts(end), channel_id, STREAK_WINDOWS[0], None)
    for before, window in zip(STREAK_WINDOWS, STREAK_WINDOWS[1:], strict=False):
        # A run of window - 1 may be a full window behind a skipped open post.
        long_runs = sorted({user for (user, _), n in found.items() if n >= (before or 0) - 1})
        if not long_runs:
            break
        found.update(_streaks(store, ts(end), channel_id, window, long_runs))
    best: dict[str, int] = {}
    for (user, _), n in found.items():
        best[user] = max(best.get(user, 0), n)
    return best


def _streaks(
    store: Store, end: str, channel_id: str | None, window: int | None, users: list[str] | None
) -> dict[tuple[str, str], int]:
    post_filter = "AND channel_id = :channel" if channel_id else ""
    user_filter = "AND a.user_id IN (SELECT value FROM json_each(:users))" if users else ""
    window_filter = "AND r.back <= :window" if window else ""
    params = {"end": end, "channel": channel_id, "users": json.dumps(users or []), "window": window}
    recent = f"""
        SELECT id, channel_id, status,
               ROW_NUMBER() OVER (PARTITION BY channel_id ORDER BY id DESC) AS back
        FROM quiz_posts
        WHERE status IN ('open', 'closed') AND posted_at < :end {post_filter}
    """
    rows = store.query(
        f"""
        WITH recent AS ({recent}),
        hits AS (
            SELECT a.user_id, a.channel_id, r.back,
                   ROW_NUMBER() OVER (PARTITION BY a.user_id, a.channel_id ORDER BY r.back) AS rn
            FROM recent r JOIN answers a ON a.post_id = r.id
            WHERE a.correct = 1 AND a.answered_at < :end {window_filter} {user_filter}
        )
        SELECT user_id, channel_id, SUM(back = rn) AS run, SUM(back = rn + 1) AS run_after_open
        FROM hits GROUP BY user_id, channel_id
        """,
        params,
    )
    # People who already answered the newest post of a channel where it is still open.
    newest_open = store.query(
        f"""
        WITH recent AS ({recent})
        SELECT r.channel_id, a.user_id FROM recent r LEFT JOIN answers a ON a.post_id = r.id
        WHERE r.back = 1 AND r.status = 'open'
        """,
        params,
    )
    open_channels = {r["channel_id"] for r in newest_open}
    answered_open = {(r["user_id"], r["channel_id"]) for r in newest_open if r["user_id"]}
    out: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["user_id"], row["channel_id"])
        skip_open = row["channel_id"] in open_channels and key not in answered_open
        out[key] = int(row["run_after_open"] if skip_open else row["run"])
    return out


def recall_rows(store: Store, period: Period, channel_id: str | None) -> tuple[RecallRow, ...]:
    """Daily questions asked again in a channel during the period, with accuracy then and now."""
    post_filter = "AND p.channel_id = :channel" if channel_id else ""
    rows = store.query(
        f"""
        WITH posts AS (
            SELECT p.id, p.channel_id, p.question_id, p.posted_at,
                   ROW_NUMBER() OVER (PARTITION BY p.channel_id, p.question_id
                                      ORDER BY p.id) AS nth
            FROM quiz_posts p
            WHERE p.status IN ('open', 'closed') AND p.posted_at < :end {post_filter}
        ),
        pairs AS (
            SELECT again.id AS again_id, first.id AS first_id, again.channel_id,
                   again.question_id,
                   CAST(julianday(again.posted_at) - julianday(first.posted_at) AS INTEGER) AS days
            FROM posts again JOIN posts first
              ON first.channel_id = again.channel_id AND first.question_id = again.question_id
             AND first.nth = 1
            WHERE again.nth = 2 AND again.posted_at >= :start
        ),
        stats AS (
            SELECT post_id, COUNT(*) AS n, SUM(correct) AS ok FROM answers
            WHERE post_id IN (SELECT first_id FROM pairs UNION SELECT again_id FROM pairs)
            GROUP BY post_id
        )
        SELECT pairs.*, COALESCE(f.n, 0) AS first_n, COALESCE(f.ok, 0) AS first_ok,
               COALESCE(g.n, 0) AS again_n, COALESCE(g.ok, 0) AS again_ok
        FROM pairs LEFT JOIN stats f ON f.post_id = first_id
             LEFT JOIN stats g ON g.post_id = again_id
        ORDER BY pairs.channel_id, again_id
        """,
        {"start": ts(period.start), "end": ts(period.end), "channel": channel_id},
    )
    return tuple(
        RecallRow(
            r["question_id"],
            r["channel_id"],
            int(r["days"]),
            int(r["first_n"]),
            int(r["first_ok"]),
            int(r["again_n"]),
            int(r["again_ok"]),
        )
        for r in rows
    )


def answer_rows(
    store: Store, period: Period, channel_id: str | None = None, members: list[str] | None = None
) -> list[dict]:
    """Every answer in the period, one dict each, by person then time (the --answers export)."""
    from bot.quiz.versions import VersionLookup

    daily, practice, params = _answers_sql(channel_id, members)
    rows = store.query(
        f"SELECT * FROM ({daily} UNION ALL {practice}) ORDER BY user_id, answered_at, source_id",
        {**params, "start": ts(period.start), "end": ts(period.end)},
    )
    forgotten = store.forgotten_hashes()
    versions = VersionLookup(store)
    return [
        {
            "user_id": r["user_id"],
            "answered_at": _iso(r["answered_at"]),
            "kind": "daily" if r["daily"] else "practice",
            "channel_id": r["channel_id"] or "",
            "question_id": r["question_id"],
            "question_version": versions.at(r["question_id"], r["answered_at"]),
            "category": r["category"] or "",
            "answer": r["choice"] or "",
            "correct": "right" if r["correct"] else "wrong",
        }
        for r in rows
        if store.user_hash(r["user_id"]) not in forgotten
    ]
