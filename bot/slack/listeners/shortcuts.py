"""The shortcuts: "Ask ofin about this message" on any message, and "Ask ofin" from anywhere.

The message shortcut answers the message's text in its thread, as a mention would; where ofin
is not a member (or cannot post), it answers privately through response_url with a Share button,
as /ofin does. The global shortcut opens a modal; the answer goes to the asker's DM with ofin, so
its feedback and "did you mean" buttons work as in any message.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands.builtin import answer_question
from bot.slack.blocks import shortcuts as blocks
from bot.slack.blocks.answers import notice_message
from bot.slack.context import core_of, slack_caller
from bot.slack.listeners.events import strip_mention
from bot.slack.markup import to_plain
from bot.slack.observe import note
from bot.slack.render import Where, render
from bot.slack.work import later

logger = logging.getLogger(__name__)

# chat.postMessage errors that mean "not here, answer privately" rather than a failure.
CANNOT_POST_HERE = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "cannot_reply"}
)


def _team(body: dict) -> str | None:
    return (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")


def on_message_shortcut(
    ack: Ack, body: dict, respond: Respond, context: BoltContext, client: WebClient
) -> None:
    """Answer the chosen message's text in its thread (or privately where ofin cannot post)."""
    later(
        ack, context, body, lambda: _answer_message(body, respond, context, client), respond=respond
    )


def _answer_message(body: dict, respond: Respond, context: BoltContext, client: WebClient) -> None:
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or body.get("channel_id")
    text = to_plain(strip_mention(message.get("text") or ""))
    if not text:
        respond(response_type="ephemeral", **notice_message(blocks.NO_TEXT))
        return
    user_id = body["user"]["id"]
    core = core_of(context)
    caller = slack_caller(context, client, user_id, channel, _team(body))
    result = answer_question(core, caller, text)
    note(context, result)
    thread_ts = message.get("thread_ts") or message.get("ts")
    if channel and thread_ts:
        public = render(result, Where(ephemeral=False, surface="shortcut"))
        try:
            client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, unfurl_links=False, **public
            )
            return
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error not in CANNOT_POST_HERE:
                raise
            logger.info("answering a message shortcut privately in %s (%s)", channel, error)
    private = render(result, Where(ephemeral=True, surface="shortcut"))
    respond(response_type="ephemeral", replace_original=False, unfurl_links=False, **private)


def on_global_shortcut(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Open the "Ask ofin" modal (views.open must use the trigger within 3 seconds)."""

    def open_modal() -> None:
        client.views_open(trigger_id=body["trigger_id"], view=blocks.ask_modal())

    later(ack, context, body, open_modal, client=client)


def on_ask_submitted(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient
) -> None:
    """Close the modal and send the answer to the asker's DM; a blank question stays open."""
    question = to_plain(blocks.question_of(view))
    if not question:
        ack(response_action="errors", errors=blocks.empty_question_errors())
        return
    later(ack, context, body, lambda: _answer_privately(body, question, context, client))


def _answer_privately(body: dict, question: str, context: BoltContext, client: WebClient) -> None:
    user_id = body["user"]["id"]
    dm = client.conversations_open(users=user_id)["channel"]["id"]
    caller = slack_caller(context, client, user_id, dm, _team(body))
    result = answer_question(core_of(context), caller, question)
    note(context, result)
    message = render(result, Where(ephemeral=False, surface="shortcut"))
    client.chat_postMessage(channel=dm, unfurl_links=False, **message)


def register(app: App) -> None:
    """Register the message shortcut, the global shortcut and its modal's submission."""
    app.message_shortcut(blocks.MESSAGE_SHORTCUT)(on_message_shortcut)
    app.shortcut(blocks.GLOBAL_SHORTCUT)(on_global_shortcut)
    app.view(blocks.ASK_VIEW)(on_ask_submitted)
