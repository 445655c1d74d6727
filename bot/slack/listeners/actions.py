"""Buttons on answer cards: Share in channel, 👍 / 👎, and "Did you mean …" suggestions."""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App, BoltContext, Respond

from bot.answer.answer import Answer
from bot.commands.builtin import answer_for_item
from bot.slack.blocks import answers as blocks
from bot.slack.context import core_of
from bot.slack.render import Where, card_data, render_answer
from bot.slack.work import later

logger = logging.getLogger(__name__)

GONE = "That answer is no longer in my knowledge base. Please ask again."


def _chosen(context: BoltContext, action: dict) -> tuple[dict | None, Answer | None]:
    """The button's value and the answer it stands for; (None, None) for a value not ours."""
    try:
        value = blocks.decode_value(action.get("value") or "")
    except ValueError:
        logger.warning("ignored a button whose value is not one of ours: %r", action.get("value"))
        return None, None
    answer = answer_for_item(
        core_of(context),
        value["item_id"],
        value["service_id"],
        value["question"],
        confidence=value["confidence"],
    )
    return value, answer


def _say_gone(respond: Respond) -> None:
    respond(response_type="ephemeral", replace_original=False, **blocks.notice_message(GONE))


def share(ack: Ack, action: dict, body: dict, respond: Respond, context: BoltContext) -> None:
    """Post the same card in the channel for everyone (through response_url, so no membership)."""
    later(ack, context, body, lambda: _share(action, body, respond, context), respond=respond)


def _share(action: dict, body: dict, respond: Respond, context: BoltContext) -> None:
    _, answer = _chosen(context, action)
    if answer is None:
        _say_gone(respond)
        return
    container = body.get("container") or {}
    card_key = container.get("message_ts") or body.get("response_url") or action.get("action_ts")
    if not core_of(context).store.claim(f"share:{body['user']['id']}:{card_key}"):
        return  # a double click: the card is already in the channel
    message = blocks.answer_card(card_data(answer), shareable=False, feedback=True)
    respond(response_type="in_channel", replace_original=False, unfurl_links=False, **message)


def feedback(ack: Ack, action: dict, body: dict, respond: Respond, context: BoltContext) -> None:
    """Store a 👍 / 👎 vote with the question, and thank the voter privately."""
    later(ack, context, body, lambda: _feedback(action, body, respond, context), respond=respond)


def _feedback(action: dict, body: dict, respond: Respond, context: BoltContext) -> None:
    value, answer = _chosen(context, action)
    if value is None or answer is None:
        _say_gone(respond)
        return
    helpful = action["action_id"] == blocks.ACTION_HELPFUL
    core_of(context).store.people.record_feedback(
        user_id=body["user"]["id"],
        question=value["question"],
        item_id=value["item_id"],
        helpful=helpful,
    )
    thanks = "Thanks, glad it helped!" if helpful else "Thanks, noted: a curator will look at it."
    respond(response_type="ephemeral", replace_original=False, **blocks.notice_message(thanks))


def suggestion(ack: Ack, action: dict, body: dict, respond: Respond, context: BoltContext) -> None:
    """Answer with the suggestion the person picked, in place of the "Did you mean" message."""
    later(ack, context, body, lambda: _suggestion(action, body, respond, context), respond=respond)


def _suggestion(action: dict, body: dict, respond: Respond, context: BoltContext) -> None:
    _, answer = _chosen(context, action)
    if answer is None:
        _say_gone(respond)
        return
    ephemeral = bool((body.get("container") or {}).get("is_ephemeral"))
    message = render_answer(answer, Where(ephemeral=ephemeral, surface="action"))
    respond(replace_original=True, unfurl_links=False, **message)


def register(app: App) -> None:
    """Register the answer-card button listeners."""
    app.action(blocks.ACTION_SHARE)(share)
    app.action(blocks.ACTION_HELPFUL)(feedback)
    app.action(blocks.ACTION_NOT_HELPFUL)(feedback)
    app.action(re.compile(rf"^{blocks.ACTION_SUGGEST_PREFIX}\d+$"))(suggestion)
