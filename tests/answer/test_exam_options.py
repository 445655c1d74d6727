"""Exam questions: the stem says which side is asked; an answer for the other side is not given."""

from __future__ import annotations

import pytest

from bot.answer.answer import Answer
from bot.answer.exam_options import held_to_the_stem
from bot.answer.matcher import Matcher
from bot.kb.loader import load

STEM = (
    "A company runs workloads on AWS. Which is {side} responsibility? A) one task B) another task"
)


def _answer(owner: str | None) -> Answer:
    return Answer(question="q", owner=owner, item=None, confidence=80, service=None, suggestions=())


@pytest.mark.parametrize(("side", "owner"), [("the company's", "aws"), ("AWS's", "customer")])
def test_an_answer_for_the_other_side_than_the_stem_asks_is_unsure(side: str, owner: str) -> None:
    held = held_to_the_stem(_answer(owner), STEM.format(side=side))
    assert held.owner is None
    assert held.declined_because == "unsure"


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        (STEM.format(side="the company's"), "customer"),  # agrees with the stem
        (STEM.format(side="AWS's"), "aws"),
        (STEM.format(side="the company's"), "shared"),  # not the opposite side
        ("Who patches the guest OS on EC2?", "aws"),  # no options: not an exam stem
        ("Which is NOT AWS's responsibility? A) one task B) another task", "customer"),
    ],
)
def test_an_answer_the_stem_allows_is_kept(text: str, owner: str) -> None:
    assert held_to_the_stem(_answer(owner), text).owner == owner


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load())


def test_an_exam_stem_asking_which_service_is_not_an_ownership_question(matcher: Matcher) -> None:
    """Its options are products, not tasks with an owner: declined before they are read."""
    answer = matcher.ask(
        "Which AWS service lets auditors download AWS's ISO certificates? "
        "A) AWS Artifact B) Amazon Macie C) AWS Config D) Amazon Detective"
    )
    assert answer.owner is None
    assert answer.declined_because == "off_topic"
