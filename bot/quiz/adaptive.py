"""Adaptive daily questions: a team's weak categories first, and recall checks on what it missed.

Two rules on top of the daily round (bot/quiz/rules.py ``pick_daily``: no question repeats in a
channel until every one was asked):

1. **Re-ask what most of the team missed.** A question whose post was answered by at least
   MIN_ANSWERS people, most of them wrong, comes back once, RECALL_DAYS or more later, so the
   report can show recall ("asked again after N days: accuracy then -> now"), not only first
   exposure. At most every other post is such a re-ask, so new material keeps coming.
2. **Prefer weak categories.** Within the round's remaining questions, a question's weight grows
   as its category's accuracy over the last 4 weeks falls (unknown categories count as average),
   so weak areas come sooner while the round still covers everything.

Slack-free and pure apart from reading the channel's history from the store.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.kb.model import KnowledgeBase, QuizQuestion
from bot.quiz.insight import category_window
from bot.quiz.rules import pick_daily
from bot.store import Store

RECALL_DAYS = 7
MIN_ANSWERS = 3
UNKNOWN_ACCURACY = 0.6  # a category without recent answers weighs like an average one
WEIGHT_FLOOR = 0.15  # even a category the team always gets right keeps a chance


@dataclass(frozen=True)
class PastPost:
    """One of the channel's earlier posts and how the team did on it."""

    question_id: str
    posted_at: datetime
    answered: int
    correct: int


def recall_due(
    posts: Sequence[PastPost], now: datetime, questions: Mapping[str, QuizQuestion]
) -> QuizQuestion | None:
    """The oldest question most of the team missed, asked once, RECALL_DAYS or more ago."""
    if posts and _is_reask(posts, len(posts) - 1):
        return None  # the previous post was a re-ask: new material now
    asked: dict[str, list[PastPost]] = {}
    for post in posts:
        asked.setdefault(post.question_id, []).append(post)
    for post in posts:  # oldest first
        history = asked[post.question_id]
        if len(history) != 1 or post.question_id not in questions:
            continue
        missed_by_most = post.answered >= MIN_ANSWERS and 2 * post.correct < post.answered
        if missed_by_most and now - post.posted_at >= timedelta(days=RECALL_DAYS):
            return questions[post.question_id]
    return None


def _is_reask(posts: Sequence[PastPost], index: int) -> bool:
    qid = posts[index].question_id
    return any(p.question_id == qid for p in posts[:index])


def category_weights(accuracy: Mapping[str, float]) -> dict[str, float]:
    """A weight per category: higher for lower accuracy."""
    return {c: max(WEIGHT_FLOOR, 1.0 - a) for c, a in accuracy.items()}


def pick_adaptive(
    questions: Sequence[QuizQuestion],
    categories: Mapping[str, str],
    times_asked: Mapping[str, int],
    last_asked: str | None,
    posts: Sequence[PastPost],
    accuracy: Mapping[str, float],
    now: datetime,
    rng: random.Random,
) -> QuizQuestion:
    """The channel's next daily question: a due recall check, else the round weighted by need."""
    by_id = {q.id: q for q in questions}
    again = recall_due(posts, now, by_id)
    if again is not None:
        return again
    fewest = min(times_asked.get(q.id, 0) for q in questions)
    pool = [q for q in questions if times_asked.get(q.id, 0) == fewest]
    if len(pool) > 1 and last_asked is not None:
        pool = [q for q in pool if q.id != last_asked] or pool
    if not accuracy:
        return pick_daily(pool, {}, None, rng)
    weights = category_weights(accuracy)
    default = max(WEIGHT_FLOOR, 1.0 - UNKNOWN_ACCURACY)
    chosen = rng.choices(pool, [weights.get(categories.get(q.id, ""), default) for q in pool])
    return chosen[0]


def channel_posts(store: Store, channel_id: str) -> list[PastPost]:
    """The channel's posts that reached Slack, oldest first, with answer counts."""
    return [
        PastPost(p.question_id, p.posted_at, p.answered, p.correct)
        for p in store.reports.posts_answered(channel_id)
    ]


def choose_daily(
    store: Store,
    kb: KnowledgeBase,
    channel_id: str,
    now: datetime,
    rng: random.Random,
) -> QuizQuestion:
    """Read the channel's history and pick its next daily question adaptively."""
    questions = list(kb.quiz_questions)
    categories = {q.id: (item.category if (item := kb.item(q.item_id)) else "") for q in questions}
    window = category_window(store, channel_id, now - timedelta(weeks=4), now)
    accuracy = {c: ok / n for c, (n, ok) in window.items() if n}
    return pick_adaptive(
        questions,
        categories,
        store.posts.times_asked(channel_id),
        store.posts.last_question(channel_id),
        channel_posts(store, channel_id),
        accuracy,
        now,
        rng,
    )
