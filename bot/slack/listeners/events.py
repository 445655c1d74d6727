"""@mentions (answer in a thread) and direct messages (answer in the DM)."""

from __future__ import annotations

import re

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.commands.dispatch import dispatch
from bot.slack.context import core_of, slack_caller
from bot.slack.listeners import matrix
from bot.slack.markup import to_plain
from bot.slack.observe import ignored, note
from bot.slack.render import Surface, Where, render
from bot.slack.work import later

LEADING_MENTION = re.compile(r"^\s*(<@[A-Z0-9]+(\|[^>]*)?>[\s,:]*)+")


def is_from_a_person(event: dict) -> bool:
    """False for bot messages, edits, deletions and other message subtypes."""
    return bool(event.get("user")) and not event.get("bot_id") and not event.get("subtype")


def strip_mention(text: str) -> str:
    """The text after the leading @ofin mention(s)."""
    return LEADING_MENTION.sub("", text or "").strip()


def _answer(
    event: dict,
    body: dict,
    text: str,
    surface: Surface,
    thread_ts: str | None,
    context: BoltContext,
    client: WebClient,
) -> None:
    core = core_of(context)
    caller = slack_caller(
        context,
        client,
        event["user"],
        event.get("channel"),
        body.get("team_id") or event.get("team"),
    )
    result = dispatch(core, caller, text)
    note(context, result)
    message = render(result, Where(ephemeral=False, surface=surface))
    kwargs: dict = {"thread_ts": thread_ts} if thread_ts else {}
    client.chat_postMessage(channel=event["channel"], unfurl_links=False, **kwargs, **message)


def on_mention(ack: Ack, event: dict, body: dict, context: BoltContext, client: WebClient) -> None:
    """Answer ``@ofin <question>`` in a thread under the mention."""
    if not is_from_a_person(event):
        ignored(context)
        ack()
        return
    thread_ts = event.get("thread_ts") or event["ts"]
    text = to_plain(strip_mention(event.get("text", "")))
    later(
        ack,
        context,
        body,
        lambda: _answer(event, body, text, "mention", thread_ts, context, client),
        client=client,
    )


def on_message(ack: Ack, event: dict, body: dict, context: BoltContext, client: WebClient) -> None:
    """Answer a direct message in the DM; ignore every other message."""
    if (
        event.get("channel_type") == "im"
        and event.get("files")
        and event.get("user")
        and not event.get("bot_id")
    ):
        matrix.on_dm_files(ack, event, body, context, client)  # a template for the matrix
        return
    if event.get("channel_type") != "im" or not is_from_a_person(event):
        ignored(context)  # ofin's own replies, edits, other bots
        ack()
        return
    text = to_plain(strip_mention(event.get("text", "")))
    thread_ts = event.get("thread_ts")
    later(
        ack,
        context,
        body,
        lambda: _answer(event, body, text, "dm", thread_ts, context, client),
        client=client,
    )


def register(app: App) -> None:
    """Register the mention and message listeners."""
    app.event("app_mention")(on_mention)
    app.event("message")(on_message)
