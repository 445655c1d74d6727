"""Pure Block Kit builders for quizzes: plain data in, message/section dicts out. No Slack calls.

Action ids (matched in bot/slack/listeners/quiz.py): ``ofin_quiz_answer_<i>`` on practice
questions (value ``<prompt id>:<i>``) and ``ofin_daily_answer_<i>`` on daily posts (value
``<post id>:<i>``), ``i`` being the index of the choice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from bot.kb.model import QuizQuestion
from bot.quiz.daily import DailyStatus
from bot.quiz.rules import choice_label, display_order
from bot.quiz.schedule import format_local, format_weekdays
from bot.slack.blocks.answers import source_link
from bot.slack.blocks.common import OWNER_EMOJI, context, escape, header, section

PRACTICE_PREFIX = "ofin_quiz_answer_"
DAILY_PREFIX = "ofin_daily_answer_"
PRACTICE_ACTION = re.compile(rf"^{PRACTICE_PREFIX}\d+$")
DAILY_ACTION = re.compile(rf"^{DAILY_PREFIX}\d+$")
MAX_BUTTON_TEXT = 75  # Slack's limit for a button's text
MAX_TEXT = 2900


def button_text(choice: str) -> str:
    """A choice as button text: 'AWS' / 'You' / 'Shared' with an emoji, or the choice, clipped."""
    label = choice_label(choice)
    text = f"{OWNER_EMOJI[choice]} {label}" if choice in OWNER_EMOJI else label
    return text if len(text) <= MAX_BUTTON_TEXT else text[: MAX_BUTTON_TEXT - 1] + "…"


def answer_buttons(question: QuizQuestion, prefix: str, key: str | int) -> dict:
    """One actions block: a button per choice, whose value is '<key>:<choice index>'."""
    return {
        "type": "actions",
        "block_id": f"{prefix}{key}",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": button_text(choice), "emoji": True},
                "action_id": f"{prefix}{i}",
                "value": f"{key}:{i}",
            }
            for i, choice in ((i, question.choices[i]) for i in display_order(question, key))
        ],
    }


_PRACTICE_VALUE = re.compile(r"([0-9A-Za-z_-]{1,64}):([0-9]{1,2})")
_DAILY_VALUE = re.compile(r"([1-9][0-9]{0,14}):([0-9]{1,2})")  # ids far inside SQLite's int64


def parse_value(value: str) -> tuple[str, int]:
    """Split a practice button value '<key>:<index>'; ValueError when it is not one of ours."""
    match = _PRACTICE_VALUE.fullmatch(str(value)[:100])
    if not match:
        raise ValueError("not a quiz button value")
    return match.group(1), int(match.group(2))


parse_practice_value = parse_value


def parse_daily_value(value: str) -> tuple[int, int]:
    """Split a daily button value '<post id>:<index>' into bounded ints; ValueError if not ours."""
    match = _DAILY_VALUE.fullmatch(str(value)[:100])
    if not match:
        raise ValueError("not a daily quiz button value")
    return int(match.group(1)), int(match.group(2))


def slack_date(when: datetime, fallback: str | None = None) -> str:
    """A date Slack shows in each reader's own time zone."""
    epoch = int(when.timestamp())
    text = fallback or when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{{date_short_pretty}} at {{time}}|{escape(text)}>"


def practice_question(prompt_id: str, question: QuizQuestion, topic_label: str) -> dict:
    """A practice question only the asker sees, with one button per choice."""
    topic = "" if topic_label == "everything" else f" · {escape(topic_label)}"
    return {
        "text": f"Quiz: {escape(question.question)}",
        "blocks": [
            section(f":brain: *Quiz{topic}*\n{escape(question.question)}"),
            answer_buttons(question, PRACTICE_PREFIX, prompt_id),
            context("Only you see this. Pick an answer."),
        ],
    }


def practice_feedback(
    question: QuizQuestion,
    choice: str,
    correct: bool,
    sources: Sequence[str],
    *,
    counted: bool = True,
) -> dict:
    """Right or wrong, the answer, the explanation and the source; replaces the question."""
    head = ":white_check_mark: *Right!*" if correct else ":x: *Not quite.*"
    yours = f"You said *{escape(choice_label(choice))}*; " if choice else ""
    blocks = [
        section(
            f"{escape(question.question)}\n{head} {yours}the answer is "
            f"*{escape(choice_label(question.answer))}*."
        ),
        section(escape(question.explanation)),
    ]
    notes = []
    if sources:
        notes.append(f"Source: {source_link(sources[0])}")
    if not counted:
        notes.append("Already answered: only your first answer counts.")
    notes.append("Another one? `/ofin quiz`")
    blocks.append(context(" · ".join(notes)))
    return {
        "text": ("Right! " if correct else "Not quite. ") + escape(question.question),
        "blocks": blocks,
    }


def answered_line(count: int) -> str:
    """The live line of a daily post."""
    if count == 0:
        return "No answers yet. Be the first!"
    return f"{count} {'person' if count == 1 else 'people'} answered so far"


def daily_post(
    post_id: int, question: QuizQuestion, answered: int, deadline_at: datetime | None
) -> dict:
    """An open daily quiz: the question, answer buttons and the live 'N answered so far' line."""
    closes = f" · closes {slack_date(deadline_at)}" if deadline_at else ""
    return {
        "text": f"Daily quiz: {escape(question.question)}",
        "blocks": [
            header(":brain: Daily quiz"),
            section(escape(question.question)),
            answer_buttons(question, DAILY_PREFIX, post_id),
            context(f":busts_in_silhouette: {answered_line(answered)}{closes}"),
        ],
    }


def daily_reveal(
    question: QuizQuestion | None,
    answered: int,
    share_right: int,
    first_correct: Sequence[str],
    sources: Sequence[str],
) -> dict:
    """A closed daily quiz: the answer, the explanation, the share right, the first right."""
    if question is None:
        text = "This quiz is closed."
        return {"text": text, "blocks": [header(":brain: Daily quiz: closed"), section(text)]}
    blocks = [
        header(":brain: Daily quiz: the answer"),
        section(escape(question.question)),
        section(
            f":white_check_mark: *{escape(choice_label(question.answer))}*\n"
            f"{escape(question.explanation)}"
        ),
    ]
    if answered:
        people = "person" if answered == 1 else "people"
        line = f":bar_chart: {answered} {people} answered; {share_right}% got it right."
        if first_correct:
            line += " First right: " + ", ".join(f"<@{u}>" for u in first_correct) + "."
    else:
        line = ":bar_chart: Nobody answered this one."
    blocks.append(section(line))
    if sources:
        blocks.append(context(f"Source: {source_link(sources[0])}"))
    return {"text": f"Daily quiz answer: {escape(choice_label(question.answer))}", "blocks": blocks}


def daily_answer_feedback(
    question: QuizQuestion | None, status: str, correct: bool, points: int, choice: str | None
) -> dict:
    """The private note an answerer gets after clicking a daily quiz button."""
    if status == "closed" or question is None:
        text = "This quiz is closed; answers no longer count. The next one is on its way!"
    elif status == "duplicate":
        text = (
            f"You already answered ({escape(choice_label(choice or ''))}); "
            "only your first answer counts."
        )
    elif correct:
        text = (
            f":white_check_mark: Right: *{escape(choice_label(question.answer))}*. "
            f"+{points} points. The explanation comes when the quiz closes."
        )
    else:
        text = (
            f":x: Not this time: you said *{escape(choice_label(choice or ''))}*. "
            "The answer and the explanation come when the quiz closes."
        )
    return {"text": text.replace("*", ""), "blocks": [section(text)]}


def leaderboard(
    rows: Sequence[dict], me: dict | None, caller_id: str, period: str, channel_id: str | None
) -> dict:
    """A channel's board: rank, person, points, right answers; the caller's row even below."""
    where = f"<#{channel_id}>" if channel_id else "all channels"
    when = "all time" if period == "all" else f"this {escape(period)}"
    title = f":trophy: *Leaderboard, {where}, {when}*"
    if not rows:
        return {
            "text": "Leaderboard: no answers yet",
            "blocks": [section(title + "\nNo daily quiz answers yet.")],
        }
    medals = {1: ":first_place_medal:", 2: ":second_place_medal:", 3: ":third_place_medal:"}
    lines = []
    for row in (*rows, *((me,) if me else ())):
        if me is not None and row is me:
            lines.append("…")
        you = " ← you" if row["user_id"] == caller_id else ""
        rank = medals.get(row["rank"], f"{row['rank']}.")
        lines.append(
            f"{rank} <@{row['user_id']}> · {row['points']} pts · "
            f"{row['correct']}/{row['answered']} right{you}"
        )
    return {"text": "Leaderboard", "blocks": [section(title + "\n" + "\n".join(lines))]}


def team_board(rows: Sequence[dict], period: str) -> dict:
    """Channels compared: accuracy first, then participation (answers per quiz)."""
    when = "all time" if period == "all" else f"this {period}"
    title = f":busts_in_silhouette: *Teams, {when}* (accuracy, then answers per quiz)"
    if not rows:
        return {
            "text": "Teams: no quizzes yet",
            "blocks": [section(title + "\nNo daily quizzes yet.")],
        }
    lines = [
        f"{r['rank']}. <#{r['channel_id']}> · {r['accuracy']}% right · "
        f"{r['participation']:.1f} answers per quiz · {r['players']} players"
        for r in rows
    ]
    return {"text": "Teams", "blocks": [section(title + "\n" + "\n".join(lines))]}


def daily_status_text(status: DailyStatus) -> str:
    """``/ofin daily status`` as plain lines (the caller escapes them into a notice)."""
    rule = status.rule
    lines = []
    if rule is None:
        lines.append("Daily quiz: off. Turn it on with `daily on [HH:MM] [time zone] [weekdays]`.")
    else:
        lines.append(
            f"Daily quiz: on, {rule.at:%H:%M} {rule.tz}, {format_weekdays(rule.weekdays)}."
        )
        if status.next_at is not None:
            lines.append(f"Next post: {format_local(status.next_at, rule.tz)}.")
    for quiz in status.open:
        tz = rule.tz if rule else "UTC"
        close = format_local(quiz.deadline_at, tz) if quiz.deadline_at else "?"
        lines.append(f"Open quiz: {quiz.answered} answered so far; closes {close}.")
    for error in status.waiting:
        why = f" (Slack said: {error})" if error else ""
        lines.append(f"A quiz is waiting to reach Slack{why}; I keep trying.")
    reveal = status.reveal_hours
    lines.append(
        f"Answers are revealed after {reveal:g} hours or at the next post."
        if reveal
        else "Answers are revealed when the next quiz posts."
    )
    return "\n".join(lines)


def stats_section(lines: Sequence[str], title: str = "Your quiz record") -> list[dict]:
    """The person's record as blocks (for /ofin stats and App Home)."""
    body = "\n".join(f"• {escape(line)}" for line in lines)
    return [section(f":bar_chart: *{escape(title)}*\n{body}")]


def stats_message(lines: Sequence[str]) -> dict:
    """The person's record as a message."""
    return {"text": "Your quiz record", "blocks": stats_section(lines)}
