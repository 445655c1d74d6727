"""The quiz in the console: text for practice questions, feedback, boards and stats.

The console's counterpart of the quiz renderers in bot/slack/render.py; bot/terminal/console.py
lists its renderers.
"""

from __future__ import annotations

from bot.commands.quiz import answer_practice
from bot.commands.results import Notice
from bot.kb.model import QuizQuestion
from bot.quiz.practice import PracticeFeedback, PracticeQuestion
from bot.quiz.rules import choice_label, display_order
from bot.quiz.scores import Leaderboard, Stats, TeamBoard, stats_lines
from bot.terminal.session import Session

# Words people answer an owner question with, besides the labels AWS / You / Shared.
ANSWER_WORDS = {
    "both": "shared",
    "amazon": "aws",
    "me": "customer",
    "us": "customer",
    "we": "customer",
    "i": "customer",
    "the customer": "customer",
}


def choices_text(question: QuizQuestion, order: list[int]) -> str:
    """The choices as numbered lines, in display ``order`` (indexes into the choices)."""
    return "\n".join(
        f"  {n}. {choice_label(question.choices[i])}" for n, i in enumerate(order, start=1)
    )


def parse_choice(question: QuizQuestion, text: str, order: list[int]) -> int | None:
    """A console answer ("2", "aws", "you", "both", the choice text) as a choice index, or None.

    A number counts in display ``order``.
    """
    text = text.strip().lower().rstrip(".")
    if text.isdigit() and 1 <= int(text) <= len(order):
        return order[int(text) - 1]
    text = ANSWER_WORDS.get(text, text)
    for i, choice in enumerate(question.choices):
        if text in (choice.lower(), choice_label(choice).lower()):
            return i
    return None


def feedback_text(result: PracticeFeedback) -> str:
    """Right or wrong, the answer, the explanation and the source."""
    head = "Right!" if result.correct else "Not quite."
    lines = [
        f"{head} The answer: {choice_label(result.question.answer)}.",
        result.question.explanation,
    ]
    if result.sources:
        lines.append(f"Source: {result.sources[0]}")
    if not result.counted:
        lines.append("(Already answered: only your first answer counts.)")
    return "\n".join(lines)


def practice_text(result: PracticeQuestion, session: Session) -> str:
    question = result.question
    order = display_order(question, result.prompt_id)

    def reply(line: str) -> PracticeFeedback | Notice | None:
        index = parse_choice(question, line, order)
        if index is None and line.strip().lstrip("-").isdigit():
            session.expect(reply)  # a wrong number: the question is still open
            return Notice(f"Answer with a number from 1 to {len(order)}.")
        if index is None:
            return None  # not an answer: run the line as a command
        return answer_practice(session.core, session.caller.user_id, result.prompt_id, index)

    session.expect(reply)
    return f"Quiz: {question.question}\n{choices_text(question, order)}\nAnswer with a number."


def practice_feedback_text(result: PracticeFeedback, session: Session) -> str:
    return feedback_text(result)


def board_text(result: Leaderboard, session: Session) -> str:
    where = "all channels" if result.channel_id is None else f"<#{result.channel_id}>"
    if not result.rows:
        return f"Leaderboard ({where}, {result.period}): no answers yet."
    lines = [f"Leaderboard ({where}, {result.period}):"]
    for row in (*result.rows, *((result.me,) if result.me else ())):
        me = "  <- you" if row.user_id == result.caller_id else ""
        lines.append(
            f"{row.rank:>3}. {row.user_id}  {row.points} pts, "
            f"{row.correct}/{row.answered} right{me}"
        )
    return "\n".join(lines)


def teams_text(result: TeamBoard, session: Session) -> str:
    if not result.rows:
        return f"Teams ({result.period}): no daily quizzes yet."
    lines = [f"Teams ({result.period}), by accuracy then participation:"]
    for r in result.rows:
        lines.append(
            f"{r.rank:>3}. {r.channel_id}  {r.accuracy}% right, "
            f"{r.participation:.1f} answers per quiz, {r.players} players"
        )
    return "\n".join(lines)


def stats_text(result: Stats, session: Session) -> str:
    return "Your quiz record:\n" + "\n".join(f"  {line}" for line in stats_lines(result))
