"""Quiz rules: grading, points, spaced repetition, picks, streaks, topics."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.kb.loader import OWNERS
from bot.kb.model import QuizQuestion
from bot.quiz.rules import (
    RECENT_WINDOW,
    PostResult,
    QuizError,
    Review,
    display_order,
    grade,
    next_review,
    pick_daily,
    pick_practice,
    points,
    questions_for,
    resolve_topic,
    streak,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


# --- pure rules --------------------------------------------------------------------------------


def test_grade_and_points(make_kb):
    q = make_kb().quiz_questions[0]
    assert grade(q, 0) is True  # item-0 belongs to aws
    assert grade(q, 1) is False
    with pytest.raises(ValueError):
        grade(q, 3)
    assert points(False, timedelta(seconds=1)) == 0
    assert points(True) == 10
    assert points(True, timedelta(minutes=2)) == 15
    assert points(True, timedelta(minutes=20)) == 13
    assert points(True, timedelta(hours=5)) == 10


def test_leitner_steps():
    first = next_review(None, "q", True, T0)
    assert first.box == 2 and first.due_at == T0 + timedelta(days=1)
    up = next_review(first, "q", True, T0)
    assert up.box == 3
    top = next_review(Review("q", 5, T0), "q", True, T0)
    assert top.box == 5
    missed = next_review(up, "q", False, T0)
    assert missed.box == 1 and missed.due_at == T0


def test_spaced_repetition_order(make_kb):
    questions = [q for q in make_kb().quiz_questions if q.choices == OWNERS]  # 6 questions
    ids = [q.id for q in questions]
    reviews = {
        ids[0]: Review(ids[0], 3, T0 - timedelta(hours=1)),  # due, box 3
        ids[1]: Review(ids[1], 1, T0),  # missed: due now, box 1
        ids[2]: Review(ids[2], 4, T0 + timedelta(days=5)),  # known: later
    }
    rng = random.Random(1)
    assert pick_practice(questions, reviews, [], T0, rng).id == ids[1]  # lowest box first
    assert pick_practice(questions, reviews, [ids[1]], T0, rng).id == ids[0]  # then the other due
    new_pick = pick_practice(questions, reviews, [ids[0], ids[1]], T0, rng).id
    assert new_pick in ids[3:]  # then never-seen questions
    all_seen = {q.id: Review(q.id, 4, T0 + timedelta(days=i + 1)) for i, q in enumerate(questions)}
    assert pick_practice(questions, all_seen, [], T0, rng).id == ids[0]  # soonest due


def test_practice_never_repeats_the_last_few(make_kb):
    questions = [q for q in make_kb().quiz_questions if q.choices == OWNERS]
    missed = {q.id: Review(q.id, 1, T0) for q in questions}  # everything due
    recent: list[str] = []
    rng = random.Random(3)
    for _ in range(30):
        q = pick_practice(questions, missed, recent, T0, rng)
        assert q.id not in recent[:RECENT_WINDOW]
        recent.insert(0, q.id)


def test_practice_with_a_single_question_still_works(make_kb):
    q = make_kb().quiz_questions[0]
    assert pick_practice([q], {}, [q.id], T0).id == q.id
    with pytest.raises(QuizError):
        pick_practice([], {}, [], T0)


def test_pick_daily_goes_round_before_repeating(make_kb):
    questions = list(make_kb().quiz_questions)
    asked: dict[str, int] = {}
    last = None
    rng = random.Random(7)
    seen = []
    for _ in range(len(questions) * 2):
        q = pick_daily(questions, asked, last, rng)
        asked[q.id] = asked.get(q.id, 0) + 1
        last = q.id
        seen.append(q.id)
    n = len(questions)
    assert sorted(seen[:n]) == sorted(q.id for q in questions)
    assert sorted(seen[n:]) == sorted(q.id for q in questions)
    assert seen[n] != seen[n - 1]  # a new round never starts with the question that ended the last


def test_streak_rules():
    def r(closed=True, answered=True, correct=True):
        return PostResult(closed, answered, correct)

    assert streak([r(), r(), r(correct=False), r()]) == 2
    assert streak([r(closed=False, answered=False), r(), r()]) == 2  # today's not answered yet
    assert streak([r(answered=False), r(), r()]) == 0  # missed yesterday's: broken
    assert streak([]) == 0


def test_topics(make_kb):
    kb = make_kb()
    assert resolve_topic(kb, "").kind == "all"
    assert resolve_topic(kb, "Identity").id == "identity"
    assert resolve_topic(kb, "s3").id == "s3"
    assert resolve_topic(kb, "Simple Storage Service").id == "s3"
    assert resolve_topic(kb, "amazon rds").id == "rds"
    with pytest.raises(QuizError):
        resolve_topic(kb, "cooking")
    identity = questions_for(kb, resolve_topic(kb, "identity"))
    assert {q.item_id for q in identity} == {"item-1", "item-4"}
    assert [q.id for q in questions_for(kb, resolve_topic(kb, "s3"))] == ["item-2#1"]
    assert [q.id for q in questions_for(kb, resolve_topic(kb, "rds"))] == ["item-0#2"]


def test_display_order_keeps_owner_choices_and_shuffles_the_others():
    owner_q = QuizQuestion("a#1", "a", "Who?", OWNERS, "aws", "Because.")
    mc_q = QuizQuestion("b#1", "b", "Which?", ("right", "w1", "w2", "w3"), "right", "Because.")
    assert display_order(owner_q, "p1") == [0, 1, 2]
    orders = {tuple(display_order(mc_q, f"p{n}")) for n in range(12)}
    assert all(sorted(o) == [0, 1, 2, 3] for o in orders)
    assert len(orders) > 1 and any(o[0] != 0 for o in orders)
    assert display_order(mc_q, "p1") == display_order(mc_q, "p1")  # stable per key
