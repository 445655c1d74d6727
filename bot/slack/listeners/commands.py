"""The /ofin slash command: ack at once; dispatch and answer through response_url, in a worker."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.commands.dispatch import dispatch
from bot.slack.blocks.answers import COMMAND
from bot.slack.context import core_of, slack_caller
from bot.slack.markup import channel_refs, to_plain
from bot.slack.observe import note
from bot.slack.render import Where, render
from bot.slack.work import later


def handle_ofin(
    ack: Ack, command: dict, respond: Respond, context: BoltContext, client: WebClient
) -> None:
    """Answer ``/ofin <text>`` so that only the asker sees it."""

    def answer() -> None:
        core = core_of(context)
        caller = slack_caller(
            context, client, command["user_id"], command.get("channel_id"), command.get("team_id")
        )
        text, caller.channel_refs = channel_refs(command.get("text") or "")
        result = dispatch(core, caller, to_plain(text))
        note(context, result)
        message = render(result, Where(ephemeral=True, surface="command"))
        respond(response_type="ephemeral", unfurl_links=False, **message)

    later(ack, context, command, answer, respond=respond, client=client)


def register(app: App) -> None:
    """Register the slash command listener."""
    app.command(COMMAND)(handle_ofin)
