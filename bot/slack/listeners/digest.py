"""The weekly digest and team weak spots in Slack: the scheduler, "Practice this", App Home.

Thin: the digest is decided in bot/training/digest.py and drawn by bot/slack/blocks/digest.py.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.commands.core import Core
from bot.quiz.insight import weak_spots
from bot.quiz.practice import ask_practice
from bot.quiz.rules import QuizError
from bot.slack.blocks import quiz as quiz_blocks
from bot.slack.blocks.answers import notice_message
from bot.slack.blocks.digest import PRACTICE_ACTION, weak_spots_section
from bot.slack.context import core_of, slack_profile
from bot.slack.digest_runner import DigestRunner
from bot.slack.uploads import ChartSender
from bot.slack.work import later

logger = logging.getLogger(__name__)

HOME_CHANNELS = 3


def on_practice_this(
    ack: Ack, action: dict, body: dict, respond: Respond, context: BoltContext, client: WebClient
) -> None:
    """Open a practice question on the digest's weakest category, only for the clicker."""

    def work() -> None:
        core = core_of(context)
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        try:
            question = ask_practice(
                core.store, core.kb, user, channel_id=channel, topic_text=action.get("value", "")
            )
        except QuizError as exc:
            respond(
                response_type="ephemeral",
                replace_original=False,
                **notice_message(str(exc), "error"),
            )
            return
        message = quiz_blocks.practice_question(
            question.prompt_id, question.question, question.topic.label
        )
        respond(response_type="ephemeral", replace_original=False, **message)

    later(ack, context, body, work, respond=respond, client=client)


def home_weak_spots(core: Core, user_id: str) -> list[dict]:
    """Weak spots of the channels with a daily quiz, for admins only."""
    profile = core.profile_of
    is_admin = user_id in core.settings.admins or bool(profile and profile(user_id).is_admin)
    if not is_admin:
        return []
    blocks: list[dict] = []
    now = core.store.clock.now()
    for schedule in core.store.schedules.enabled()[:HOME_CHANNELS]:
        spots = weak_spots(core.store, core.kb, schedule.channel_id, now)
        data = {
            "categories": [
                {**asdict(c), "accuracy_4w": c.accuracy_4w, "accuracy_12w": c.accuracy_12w,
                 "trend": c.trend}
                for c in spots.categories
            ],
            "most_missed": [asdict(m) for m in spots.most_missed],
        }  # fmt: skip
        blocks += weak_spots_section(schedule.channel_id, data)
    return blocks


def wire_digests(app: App, core: Core, sender: ChartSender) -> DigestRunner:
    """Make the digest runner the publisher (its caller starts its schedule)."""
    runner = DigestRunner(app.client, core, sender)
    core.digest_publisher = runner
    client = app.client
    core.profile_of = lambda user: slack_profile(client, user, core.settings.admins)
    return runner


def register(app: App) -> None:
    """Register "Practice this"."""
    app.action(PRACTICE_ACTION)(on_practice_this)
