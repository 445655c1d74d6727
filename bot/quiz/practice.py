"""Practice questions: pick one by spaced repetition, grade the answer, log it once.

Slack-free and command-free: the callers (bot/commands/quiz.py, the Slack listeners, the console)
pass the store and the knowledge base and turn a ``PracticeRefusal`` into their own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.kb.model import KnowledgeBase, QuizQuestion
from bot.quiz.rules import (
    QuizError,
    Review,
    Topic,
    grade,
    next_review,
    pick_practice,
    points,
    questions_for,
    resolve_topic,
)
from bot.store import Store

RefusalReason = Literal["expired", "not_yours", "no_such_choice"]


@dataclass(frozen=True)
class PracticeQuestion:
    """A practice question for one person; ``prompt_id`` identifies their answer buttons."""

    prompt_id: str
    question: QuizQuestion
    topic: Topic


@dataclass(frozen=True)
class PracticeFeedback:
    """Right or wrong, with the explanation and the source; ``counted`` is False on a re-click."""

    question: QuizQuestion
    choice: str
    correct: bool
    counted: bool
    sources: tuple[str, ...]
    box: int | None = None


@dataclass(frozen=True)
class PracticeRefusal:
    """Why an answer was not graded: the prompt expired, is someone else's, or no such choice."""

    reason: RefusalReason


def ask_practice(
    store: Store,
    kb: KnowledgeBase,
    user_id: str,
    *,
    channel_id: str | None = None,
    topic_text: str = "",
) -> PracticeQuestion:
    """Pick the person's next practice question and remember the prompt; QuizError if none."""
    store.people.touch_user(user_id)
    topic = resolve_topic(kb, topic_text)
    questions = questions_for(kb, topic)
    if not questions:
        raise QuizError(f"There are no quiz questions on {topic.label} yet.")
    reviews = {
        qid: Review(qid, row.box, row.due_at, row.last_asked_at)
        for qid, row in store.practice.reviews_for(user_id).items()
    }
    question = pick_practice(
        questions, reviews, store.practice.recent_practice(user_id), store.clock.now()
    )
    item = kb.item(question.item_id)
    prompt_id = store.practice.create_prompt(
        user_id=user_id,
        channel_id=channel_id,
        question_id=question.id,
        item_id=question.item_id,
        category=item.category if item else None,
    )
    return PracticeQuestion(prompt_id, question, topic)


def answer_practice(
    store: Store, kb: KnowledgeBase, user_id: str, prompt_id: str, choice_index: int
) -> PracticeFeedback | PracticeRefusal:
    """Grade a practice answer; the score and the Leitner step are logged once per prompt."""
    prompt = store.practice.prompt(prompt_id)
    questions = {q.id: q for q in kb.quiz_questions}
    question = questions.get(prompt.question_id) if prompt else None
    if prompt is None or question is None:
        return PracticeRefusal("expired")
    if prompt.user_id != user_id:
        # A practice question posted in a thread (an @mention) is its asker's alone.
        return PracticeRefusal("not_yours")
    if not 0 <= choice_index < len(question.choices):
        return PracticeRefusal("no_such_choice")
    item = kb.item(question.item_id)
    sources = tuple(item.sources) if item else ()
    if prompt.answered:  # a double click: show the first answer again
        return PracticeFeedback(question, prompt.choice or "", bool(prompt.correct), False, sources)
    correct = grade(question, choice_index)
    choice = question.choices[choice_index]
    if not store.practice.answer_prompt(
        prompt_id, user_id=user_id, choice=choice, correct=correct, points=points(correct)
    ):
        again = store.practice.prompt(prompt_id)
        return PracticeFeedback(
            question,
            (again.choice or choice) if again else choice,
            bool(again and again.correct),
            False,
            sources,
        )
    row = store.practice.reviews_for(user_id).get(question.id)
    previous = Review(question.id, row.box, row.due_at) if row else None
    review = next_review(previous, question.id, correct, store.clock.now())
    store.practice.save_review(
        user_id=user_id,
        question_id=question.id,
        box=review.box,
        due_at=review.due_at,
        correct=correct,
    )
    return PracticeFeedback(question, choice, correct, True, sources, review.box)
