"""`python -m bot ask`: answer questions from the command line, as text or as JSON lines."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from bot.answer.answer import Answer
from bot.answer.fitted import FittedFilesError
from bot.answer.matcher import Matcher
from bot.kb.loader import load_or_exit
from bot.terminal.text import answer_text, decline_text


def run_ask(question: str | None, *, as_json: bool, stdin: TextIO | None = None) -> int:
    """Answer one question, or every line of standard input when ``question`` is "-"."""
    if question is None:
        print('ofin: give a question, e.g. ofin ask "who patches EC2?", or "-" to read stdin.')
        return 2
    try:
        matcher = Matcher(load_or_exit())
    except FittedFilesError as exc:
        print(exc, file=sys.stderr)
        return 1
    if question != "-":
        _emit(matcher.ask(question), as_json)
        return 0
    for number, line in enumerate(stdin or sys.stdin):
        if number and not as_json:
            print()  # a blank line between readable answers
        _emit(matcher.ask(line.rstrip("\r\n")), as_json)
        sys.stdout.flush()
    return 0


def _emit(answer: Answer, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        print(format_answer(answer))


def format_answer(answer: Answer) -> str:
    """A readable answer: owner in OF/IN words, explanation, service note, source, suggestions."""
    return answer_text(answer) if answer.answered else decline_text(answer)
