"""A quarter of synthetic quiz activity, made through the app's own code, with its ground truth.

40 people in 3 channels answer daily quizzes (every weekday of 2026-Q4, 09:00 UTC) and practice
questions, with a fake clock; a few answered only in September or January (outside the quarter),
and two never answer in the quarter. Every answer the app counted is also written to ``truth``,
so tests compute the expected figures on their own, without the report's SQL.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.answer.matcher import Matcher
from bot.clock import FakeClock
from bot.commands.core import Core
from bot.config import Settings
from bot.kb.loader import load
from bot.kb.model import KnowledgeBase
from bot.quiz.daily import DailyQuizzes
from bot.quiz.practice import answer_practice, ask_practice
from bot.store import Store

CHANNELS = ("CALPHA0001", "CBRAVO0002", "CCHARLIE03")
PEOPLE = tuple(f"U{n:03d}" for n in range(40))
QUIET = ("U038", "U039")  # answered in September only: "answered nothing" in Q4
Q4_START = datetime(2026, 10, 1, tzinfo=UTC)
Q4_END = datetime(2027, 1, 1, tzinfo=UTC)


@dataclass
class Truth:
    """What the app counted, as plain records: (user, channel, category, correct, kind, when)."""

    answers: list[tuple[str, str | None, str, bool, str, datetime]] = field(default_factory=list)
    posts: dict[str, list[int]] = field(default_factory=dict)  # channel -> post ids, in order
    post_answers: dict[tuple[int, str], bool] = field(default_factory=dict)  # (post, user) -> ok
    open_posts: set[int] = field(default_factory=set)
    post_days: dict[int, datetime] = field(default_factory=dict)


def channel_of(user: str) -> str:
    """Each person's team channel."""
    return CHANNELS[int(user[1:]) % 3]


def _weekdays(start: datetime, end: datetime) -> list[datetime]:
    days, day = [], start
    while day < end:
        if day.weekday() < 5:
            days.append(day.replace(hour=9))
        day += timedelta(days=1)
    return days


def seed(
    path: Path | str, kb: KnowledgeBase | None = None, seed: int = 7
) -> tuple[Store, Core, Truth]:
    """Fill a new database at ``path``; return the open store, a Core and the truth."""
    kb = kb or load()
    rng = random.Random(seed)
    clock = FakeClock(datetime(2026, 9, 1, tzinfo=UTC))
    store = Store(path, clock=clock)
    core = Core(kb=kb, matcher=Matcher(kb), store=store, settings=Settings())
    daily = DailyQuizzes(store, kb, rng=random.Random(seed))
    core.daily = daily
    truth = Truth()
    skill = {u: rng.uniform(0.45, 0.95) for u in PEOPLE}
    days = _weekdays(datetime(2026, 9, 21, tzinfo=UTC), datetime(2027, 1, 6, tzinfo=UTC))
    for day in days:
        for channel in CHANNELS:
            clock.set(day)
            post = daily.claim_now(channel)
            daily.close_open(channel, keep=post.id)
            daily.opened(post, f"ts-{post.id}")
            truth.posts.setdefault(channel, []).append(post.id)
            truth.post_days[post.id] = day
            question = daily.question(post.question_id)
            assert question is not None
            category = kb.item(question.item_id).category
            members = [u for u in PEOPLE if channel_of(u) == channel]
            for user in members:
                in_q4 = Q4_START <= day < Q4_END
                if user in QUIET and in_q4:
                    continue
                if rng.random() > 0.8:
                    continue
                right = rng.random() < skill[user]
                index = question.choices.index(question.answer)
                if not right:
                    index = (index + 1) % len(question.choices)
                clock.set(day + timedelta(minutes=rng.randint(1, 400)))
                outcome = daily.answer(post.id, user, index)
                assert outcome.counted
                truth.answers.append((user, channel, category, right, "daily", clock.now()))
                truth.post_answers[(post.id, user)] = right
        # Some practice, anywhere (a channel or a DM).
        for user in rng.sample(PEOPLE[:38], 6):
            clock.set(day + timedelta(hours=3, minutes=rng.randint(0, 120)))
            where = rng.choice([channel_of(user), None])
            asked = ask_practice(store, kb, user, channel_id=where)
            right = rng.random() < skill[user]
            q = asked.question
            index = q.choices.index(q.answer) if right else (q.choices.index(q.answer) + 1) % 3
            feedback = answer_practice(store, kb, user, asked.prompt_id, index)
            assert feedback.counted
            category = kb.item(q.item_id).category
            truth.answers.append((user, where, category, right, "practice", clock.now()))
    truth.open_posts = {p.id for p in store.posts.open_posts()}
    clock.set(datetime(2027, 1, 6, 18, tzinfo=UTC))
    return store, core, truth


def q4_streak(truth: Truth, user: str, channel: str) -> int:
    """The user's streak in a channel as of the end of Q4, counted from the truth."""
    posts = [p for p in truth.posts[channel] if truth.post_days[p] < Q4_END]
    count = 0
    for index, post in enumerate(reversed(posts)):
        answered = (post, user) in truth.post_answers
        if index == 0 and post in truth.open_posts and not answered:
            continue
        if not (answered and truth.post_answers[(post, user)]):
            break
        count += 1
    return count
