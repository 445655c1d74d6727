"""Practice questions as a use case: the store and the knowledge base, no command layer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from bot.quiz.practice import PracticeFeedback, PracticeRefusal, answer_practice, ask_practice
from bot.quiz.rules import QuizError
from bot.store import Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "ofin.db", clock=FakeClock(datetime(2026, 3, 2, 9, tzinfo=UTC)))
    yield s
    s.close()


def test_ask_remembers_the_prompt_and_the_person(store, make_kb):
    kb = make_kb(9)
    asked = ask_practice(store, kb, "U1", channel_id="C1", topic_text="s3")
    assert asked.question.service == "s3"
    assert store.practice.prompt(asked.prompt_id).user_id == "U1"
    assert store.people.user("U1").team_id == store.team
    with pytest.raises(QuizError, match="cooking"):
        ask_practice(store, kb, "U1", topic_text="cooking")


def test_answer_grades_once_and_says_why_it_refuses(store, make_kb):
    kb = make_kb(9)
    asked = ask_practice(store, kb, "U1")
    q = asked.question
    right = q.choices.index(q.answer)
    first = answer_practice(store, kb, "U1", asked.prompt_id, right)
    assert isinstance(first, PracticeFeedback) and first.correct and first.counted
    again = answer_practice(store, kb, "U1", asked.prompt_id, (right + 1) % len(q.choices))
    assert isinstance(again, PracticeFeedback) and again.correct and not again.counted
    assert store.scores.user_totals("U1").practice_answered == 1
    assert answer_practice(store, kb, "U2", asked.prompt_id, 0) == PracticeRefusal("not_yours")
    assert answer_practice(store, kb, "U1", "no-such", 0) == PracticeRefusal("expired")
    fresh = ask_practice(store, kb, "U1")
    assert answer_practice(store, kb, "U1", fresh.prompt_id, 99) == PracticeRefusal(
        "no_such_choice"
    )
