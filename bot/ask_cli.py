"""`python -m bot ask`: answer questions from the command line, as text or as JSON lines."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from bot.knowledge import Item, load_or_exit
from bot.matcher import Answer, Matcher

OWNER_WORDS = {
    "aws": "AWS — security OF the cloud",
    "customer": "You, the customer — security IN the cloud",
    "shared": "Shared — AWS and you, each in its own layer",
}

DECLINE_WORDS = {
    "empty": "Ask me a question, e.g. \"who patches the guest OS on EC2?\"",
    "too_long": "That question is too long; ask about one responsibility at a time.",
    "off_topic": "I only answer questions about the cloud shared responsibility model.",
    "unsure": "I'm not sure what you mean.",
}


def run_ask(question: str | None, *, as_json: bool, stdin: TextIO | None = None) -> int:
    """Answer one question, or every line of standard input when ``question`` is "-"."""
    if question is None:
        print('ofin: give a question, e.g. ofin ask "who patches EC2?", or "-" to read stdin.')
        return 2
    matcher = Matcher(load_or_exit())
    if question != "-":
        _emit(matcher.ask(question), as_json)
        return 0
    for line in stdin or sys.stdin:
        _emit(matcher.ask(line.rstrip("\n")), as_json)
        sys.stdout.flush()
    return 0


def _emit(answer: Answer, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        print(format_answer(answer))


def format_answer(answer: Answer) -> str:
    """A readable answer: owner in OF/IN words, explanation, service note, source, suggestions."""
    if not answer.answered or answer.item is None:
        lines = [DECLINE_WORDS.get(answer.declined_because or "off_topic", DECLINE_WORDS["unsure"])]
        if answer.suggestions:
            lines.append("Did you mean:")
            lines.extend(f"  - {item.title}  ({item.id})" for item in answer.suggestions)
        return "\n".join(lines)
    item = answer.item
    lines = [f"{OWNER_WORDS[answer.owner or item.owner]}", f"{item.title}"]
    detail = f"confidence {answer.confidence}"
    if answer.service:
        detail += f", service: {answer.service.name}"
    lines[-1] += f"  ({detail})"
    lines.append("")
    lines.append(item.explanation.strip())
    if answer.note and answer.service:
        lines.append("")
        lines.append(f"On {answer.service.name}: {answer.note.strip()}")
    lines.append("")
    lines.extend(f"Source: {url}" for url in item.sources)
    if answer.suggestions:
        lines.append("")
        lines.append("Related: " + ", ".join(_label(s) for s in answer.suggestions))
    return "\n".join(lines)


def _label(item: Item) -> str:
    return f"{item.title} ({item.id})"
