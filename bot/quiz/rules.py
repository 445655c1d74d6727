"""Quiz rules: choosing questions, grading, points and streaks. No Slack, no SQL.

Practice questions are chosen by spaced repetition with Leitner boxes kept per (person, question):
a correct answer moves the question up one box, whose interval is longer; a miss sends it back to
box 1, due at once. The questions asked most recently are never asked again straight away, so a
miss comes back "soon": after a few others. Daily questions go round every question of the
knowledge base in a channel before any repeats.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.kb.model import CATEGORIES, KnowledgeBase, QuizQuestion
from bot.kb.owners import OWNER_SHORT

#: Days until a question in each Leitner box is due again (box 1: straight away).
BOX_INTERVALS: Mapping[int, timedelta] = {
    1: timedelta(0),
    2: timedelta(days=1),
    3: timedelta(days=3),
    4: timedelta(days=7),
    5: timedelta(days=21),
}
TOP_BOX = max(BOX_INTERVALS)
#: How many of a person's latest practice questions are never asked again next.
RECENT_WINDOW = 3

BASE_POINTS = 10
#: (answered within, bonus points): the faster a correct daily answer, the bigger the bonus.
SPEED_BONUS: tuple[tuple[timedelta, int], ...] = (
    (timedelta(minutes=5), 5),
    (timedelta(minutes=15), 4),
    (timedelta(minutes=30), 3),
    (timedelta(hours=1), 2),
    (timedelta(hours=2), 1),
)


class QuizError(LookupError):
    """No question fits the request (unknown topic, empty knowledge base)."""


@dataclass(frozen=True)
class Review:
    """Where one question stands for one person in the Leitner system."""

    question_id: str
    box: int
    due_at: datetime
    last_asked_at: datetime | None = None


@dataclass(frozen=True)
class Topic:
    """What a practice quiz was narrowed to: a category or a service (or nothing)."""

    kind: str  # "all" | "category" | "service"
    id: str | None = None
    label: str = "everything"


@dataclass(frozen=True)
class PostResult:
    """One person's result on one daily post, newest first in a streak computation."""

    closed: bool
    answered: bool
    correct: bool


def choice_label(choice: str) -> str:
    """The label a button shows for a choice: AWS / You / Shared for owners, else the choice."""
    return OWNER_SHORT.get(choice, choice)


def display_order(question: QuizQuestion, key: str | int) -> list[int]:
    """The order to show a question's choices in: AWS / You / Shared as they are, others shuffled.

    Curators tend to write the right answer first; a shuffle seeded by ``key`` (a prompt or post
    id) hides that, and shows the same order every time the same prompt is drawn.
    """
    order = list(range(len(question.choices)))
    if not question.is_owner_question:
        random.Random(f"{question.id}|{key}").shuffle(order)
    return order


def grade(question: QuizQuestion, choice_index: int) -> bool:
    """True when the choice at ``choice_index`` is the question's answer."""
    if not 0 <= choice_index < len(question.choices):
        raise ValueError(f"choice {choice_index} out of range for {question.id}")
    return question.choices[choice_index] == question.answer


def points(correct: bool, response_time: timedelta | None = None) -> int:
    """Points for an answer: BASE_POINTS if correct, plus a speed bonus when timed."""
    if not correct:
        return 0
    if response_time is None:
        return BASE_POINTS
    for within, bonus in SPEED_BONUS:
        if response_time <= within:
            return BASE_POINTS + bonus
    return BASE_POINTS


def next_review(previous: Review | None, question_id: str, correct: bool, now: datetime) -> Review:
    """The Leitner step: up one box when correct (a new question starts in box 1), else box 1."""
    box = min((previous.box if previous else 1) + 1, TOP_BOX) if correct else 1
    return Review(question_id, box, now + BOX_INTERVALS[box], last_asked_at=now)


def pick_practice(
    questions: Sequence[QuizQuestion],
    reviews: Mapping[str, Review],
    recent: Sequence[str],
    now: datetime,
    rng: random.Random | None = None,
) -> QuizQuestion:
    """Choose the next practice question for one person.

    Order: questions due for review (lowest box first, then longest overdue), then questions the
    person has never seen (at random), then the ones due soonest. The last RECENT_WINDOW questions
    asked (``recent``, newest first) are skipped while anything else is left.
    """
    if not questions:
        raise QuizError("there are no quiz questions on this topic yet")
    rng = rng or random.Random()
    window = min(RECENT_WINDOW, len(questions) - 1)
    skip = set(recent[:window])
    pool = [q for q in questions if q.id not in skip] or list(questions)

    due = [q for q in pool if q.id in reviews and reviews[q.id].due_at <= now]
    if due:
        return min(due, key=lambda q: (reviews[q.id].box, reviews[q.id].due_at, q.id))
    new = [q for q in pool if q.id not in reviews]
    if new:
        return rng.choice(new)
    return min(pool, key=lambda q: (reviews[q.id].due_at, reviews[q.id].box, q.id))


def pick_daily(
    questions: Sequence[QuizQuestion],
    times_asked: Mapping[str, int],
    last_asked: str | None = None,
    rng: random.Random | None = None,
) -> QuizQuestion:
    """Choose a channel's next daily question: never a repeat until every question was asked.

    ``times_asked`` counts how often each question id was posted in the channel; the pick is among
    the least asked, so a new round starts only when the previous one is complete (and never with
    the question that ended it).
    """
    if not questions:
        raise QuizError("the knowledge base has no quiz questions")
    rng = rng or random.Random()
    fewest = min(times_asked.get(q.id, 0) for q in questions)
    pool = [q for q in questions if times_asked.get(q.id, 0) == fewest]
    if len(pool) > 1 and last_asked is not None:
        pool = [q for q in pool if q.id != last_asked] or pool
    return rng.choice(pool)


def streak(results: Iterable[PostResult]) -> int:
    """Consecutive daily posts answered correctly, newest first.

    Only posts count, and posts exist only on scheduled days, so weekends (or any day without a
    post) never break a streak. A newest post still open and not yet answered does not break it.
    """
    count = 0
    for index, result in enumerate(results):
        if index == 0 and not result.closed and not result.answered:
            continue
        if not (result.answered and result.correct):
            break
        count += 1
    return count


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


MAX_ECHO = 100  # characters of a person's words quoted back in a reply


def resolve_topic(kb: KnowledgeBase, text: str) -> Topic:
    """Turn '/ofin quiz <text>' into a Topic: a category, a service, or everything when empty."""
    wanted = _words(text)
    if not wanted or wanted in {"all", "any", "everything"}:
        return Topic("all")
    for category in CATEGORIES:
        if wanted in {category, category.rstrip("s"), f"{category}s"}:
            return Topic("category", category, category)
    for service in kb.services:
        names = {
            _words(service.id),
            _words(service.name),
            _words(service.matched_name),
            *(_words(a) for a in service.aliases),
        }
        if wanted in names or f"amazon {wanted}" in names or f"aws {wanted}" in names:
            return Topic("service", service.id, service.name)
    shown = " ".join(text.split())
    shown = shown if len(shown) <= MAX_ECHO else shown[: MAX_ECHO - 1] + "…"
    raise QuizError(
        f'I have no quiz on "{shown}". Try a service (EC2, S3, Lambda, …) or a category: '
        + ", ".join(CATEGORIES)
        + "."
    )


def questions_for(kb: KnowledgeBase, topic: Topic) -> list[QuizQuestion]:
    """The questions on ``topic``: a category's items, or the questions about one service."""
    if topic.kind == "all":
        return list(kb.quiz_questions)
    if topic.kind == "category":
        return [q for item in kb.items if item.category == topic.id for q in item.quiz]
    service = kb.service(topic.id or "")
    spelled = (service.name, service.matched_name, *service.aliases) if service else ()
    names = [_words(n) for n in dict.fromkeys(spelled)]
    names.append(_words(topic.id or ""))
    found = []
    for question in kb.quiz_questions:
        text = f" {_words(question.question)} "
        if question.service == topic.id or (
            question.service is None and any(n and f" {n} " in text for n in names)
        ):
            found.append(question)
    return found
