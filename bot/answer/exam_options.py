"""Exam questions with options ("Which is AWS's responsibility? A) … B) …"), answered as a
certification exam means them: the stem says which side is asked, the options which task.

The matcher hands each option back to itself (``ask``); nothing here reads evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.answer import language
from bot.answer.answer import Answer
from bot.answer.owner_model import OPPOSITE
from bot.kb.model import Service

MAX_SUGGESTIONS = 3


def choose_option(
    options: language.Options,
    ask: Callable[[str], Answer],
    find_service: Callable[[str], Service | None],
) -> Answer | None:
    """The option that answers the stem: the one the asked side owns (or, negated, does not).

    Options that are the owners themselves ("A) AWS B) the customer C) both") leave the stem as
    the question. Each option is asked in the stem's context: "patching the database software"
    is AWS's on DynamoDB, the customer's on EC2.
    """
    if options.are_owners:
        return ask(options.stem)
    if options.side is None:
        return None
    service = find_service(options.stem)
    context = f" on {service.matched_name}" if service else ""
    answers = [ask(option + context) for option in options.options]
    for answer in answers:
        if answer.answered and (answer.owner == options.side) != options.negated:
            return answer
    return None


def held_to_the_stem(answer: Answer, text: str) -> Answer:
    """An exam stem that asks for one side's task ("which is the company's responsibility?") but
    whose options could not be told apart is answered by the evidence as a whole; when that names
    the opposite side, the stem and the evidence disagree: unsure, not a guess."""
    found = language.answer_options(text)
    if found is None or found.side is None or answer.owner not in OPPOSITE:
        return answer
    expected = OPPOSITE[found.side] if found.negated else found.side
    if answer.owner == expected or expected not in OPPOSITE:
        return answer
    suggestions = ((answer.item,) if answer.item else ()) + answer.suggestions
    return replace(
        answer,
        owner=None,
        item=None,
        suggestions=suggestions[:MAX_SUGGESTIONS],
        note=None,
        declined_because="unsure",
        layers=(),
        probability=None,
        cues=(),
    )
