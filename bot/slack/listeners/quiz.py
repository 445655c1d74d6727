"""The quiz in Slack: answer buttons, its App Home section, the scheduler.

Thin: parse the click, call the Slack-free core (bot/quiz/practice.py, scores.py, daily.py),
render with bot/slack/blocks/quiz.py, send.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict

from slack_bolt import Ack, App, BoltContext, Respond

from bot.commands.core import Core
from bot.commands.quiz import answer_practice
from bot.commands.results import Notice
from bot.quiz.daily import AnswerOutcome
from bot.quiz.practice import PracticeFeedback
from bot.quiz.scores import stats, stats_lines, team_board
from bot.slack.blocks import quiz as quiz_blocks
from bot.slack.blocks.answers import notice_message
from bot.slack.context import core_of, state_of
from bot.slack.publisher import DailyPublisher
from bot.slack.work import write_then

logger = logging.getLogger(__name__)

TOUCH_EVERY = 600.0  # seconds
HOME_TEAMS = 5


# --- buttons ----------------------------------------------------------------------------------


def on_practice_answer(
    ack: Ack, action: dict, body: dict, respond: Respond, context: BoltContext
) -> None:
    """Grade a practice answer and show the result in place of the question."""
    try:
        prompt_id, index = quiz_blocks.parse_practice_value(action.get("value", ""))
    except ValueError:
        logger.warning("ignoring a malformed practice button value %r", action.get("value"))
        ack()
        return
    user_id = body["user"]["id"]

    def show(result: PracticeFeedback | Notice) -> None:
        if isinstance(result, Notice):
            message = notice_message(result.text, result.kind)
            respond(response_type="ephemeral", replace_original=False, **message)
            return
        message = quiz_blocks.practice_feedback(
            result.question, result.choice, result.correct, result.sources, counted=result.counted
        )
        respond(replace_original=True, unfurl_links=False, **message)

    write_then(
        ack,
        context,
        body,
        lambda: answer_practice(core_of(context), user_id, prompt_id, index),
        show,
        respond=respond,
    )


def on_daily_answer(
    ack: Ack, action: dict, body: dict, respond: Respond, context: BoltContext
) -> None:
    """Count a daily answer once (stored before the ack), then answer privately and refresh."""
    try:
        post_id, index = quiz_blocks.parse_daily_value(action.get("value", ""))
    except ValueError:
        logger.warning(
            "ignoring a malformed daily button value %r", (action.get("value") or "")[:100]
        )
        ack()
        return
    core = core_of(context)
    user_id = body["user"]["id"]
    channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )

    def follow_up(outcome: AnswerOutcome) -> None:
        if outcome.status != "duplicate":  # a second click follows the first, which touched them
            _touch(core, state_of(context).touched, user_id, (body.get("team") or {}).get("id"))
        if outcome.counted and core.publisher is not None:
            core.publisher.refresh(post_id)
        message = quiz_blocks.daily_answer_feedback(
            outcome.question, outcome.status, outcome.correct, outcome.points, outcome.choice
        )
        respond(response_type="ephemeral", replace_original=False, **message)

    write_then(
        ack,
        context,
        body,
        lambda: core.daily.answer(post_id, user_id, index, channel_id=channel_id),
        follow_up,
        respond=respond,
    )


def _touch(core: Core, seen: dict[str, float], user_id: str, team_id: str | None) -> None:
    """Remember the person, at most once per TOUCH_EVERY seconds: a click burst writes once."""
    now = time.monotonic()
    key = f"{team_id}:{user_id}"
    if now - seen.get(key, -TOUCH_EVERY) < TOUCH_EVERY:
        return
    if len(seen) > 50_000:
        seen.clear()
    seen[key] = now
    core.store.people.touch_user(user_id)


# --- App Home -------------------------------------------------------------------------------


def home_quiz(core: Core, user_id: str) -> list[dict]:
    """The person's record and the teams board, for the Home tab."""
    record = stats(core.store, core.daily, user_id)
    blocks = quiz_blocks.stats_section(stats_lines(record))
    board = team_board(core.store, "month", None)
    rows = [asdict(r) for r in board.rows[:HOME_TEAMS]]
    blocks += quiz_blocks.team_board(rows, board.period)["blocks"]
    return blocks


# --- the scheduler ----------------------------------------------------------------------------


def wire_scheduler(app: App, core: Core) -> DailyPublisher:
    """Make the daily runner the quiz publisher (its caller starts its schedule)."""
    runner = DailyPublisher(app.client, core)
    core.publisher = runner
    return runner


def register(app: App) -> None:
    """Register the quiz buttons."""
    app.action(quiz_blocks.PRACTICE_ACTION)(on_practice_answer)
    app.action(quiz_blocks.DAILY_ACTION)(on_daily_answer)
