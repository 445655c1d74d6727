"""Practice prompts and spaced-repetition reviews come back as typed rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store import PromptRow, ReviewRow


def test_a_prompt_reads_back_unanswered_then_answered_once(store, clock):
    prompt_id = store.practice.create_prompt(
        user_id="U1", channel_id=None, question_id="q1", item_id="i1", category="compute"
    )
    asked = store.practice.prompt(prompt_id)
    assert asked == PromptRow(
        id=prompt_id,
        user_id="U1",
        channel_id=None,
        question_id="q1",
        item_id="i1",
        category="compute",
        asked_at=clock.now(),
        answered_at=None,
        choice=None,
        correct=None,
        points=None,
    )
    assert not asked.answered
    clock.advance(seconds=5)
    assert (
        store.practice.answer_prompt(prompt_id, user_id="U2", choice="AWS", correct=True, points=10)
        is False
    )
    assert store.practice.answer_prompt(
        prompt_id, user_id="U1", choice="AWS", correct=True, points=10
    )
    assert (
        store.practice.answer_prompt(prompt_id, user_id="U1", choice="You", correct=False, points=0)
        is False
    )
    answered = store.practice.prompt(prompt_id)
    assert answered.answered and answered.answered_at == clock.now()
    assert (answered.choice, answered.correct, answered.points) == ("AWS", True, 10)
    assert store.practice.prompt("nope") is None


def test_reviews_count_answers_per_question(store, clock):
    due = clock.now() + timedelta(days=2)
    store.practice.save_review(user_id="U1", question_id="q1", box=2, due_at=due, correct=True)
    store.practice.save_review(user_id="U1", question_id="q1", box=1, due_at=due, correct=False)
    assert store.practice.reviews_for("U1") == {
        "q1": ReviewRow(
            user_id="U1",
            question_id="q1",
            box=1,
            due_at=due,
            last_asked_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
            times_answered=2,
            times_correct=1,
        )
    }
    assert store.practice.reviews_for("U2") == {}
