"""The report's Slack helpers: a channel's member list, the chart sent by DM, people's names.

Thin: the report itself is built by bot/commands/report.py (Slack-free) when /ofin report runs,
after the slash command was acknowledged.
"""

from __future__ import annotations

import logging
import threading

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands.core import Caller, Core
from bot.commands.report import UnknownChannel
from bot.slack.directory import refresh_names
from bot.slack.uploads import ChartBuild, ChartSender

logger = logging.getLogger(__name__)


def channel_members(client: WebClient, channel_id: str, bot_user: str | None) -> list[str] | None:
    """Everyone in the channel (conversations.members, every page), or None when Slack refuses.

    Raise UnknownChannel when Slack has no such channel (or ofin cannot see it).
    """
    members: list[str] = []
    cursor = None
    try:
        while True:
            response = client.conversations_members(channel=channel_id, cursor=cursor, limit=1000)
            members += response.get("members") or []
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except SlackApiError as exc:
        if exc.response.get("error") == "channel_not_found":
            raise UnknownChannel(channel_id) from None
        logger.warning(
            "conversations.members failed for %s: %s", channel_id, exc.response.get("error")
        )
        return None
    return [m for m in members if m != bot_user]


class BotUser:
    """The bot's own user id (auth.test), asked of Slack the first time it is needed, then kept.

    Not when the helpers are wired: with OAuth installs each workspace's are wired at its first
    request, before that request's ack, and an ack must not wait on a Web API call (each worker
    asked twice per workspace: seconds in ``make soak-postgres``). Until Slack answers, None:
    a member list may then include the bot itself, and the next call asks again.
    """

    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._id: str | None = None
        self._lock = threading.Lock()

    def __call__(self) -> str | None:
        with self._lock:
            if self._id is None:
                try:
                    self._id = self._client.auth_test().get("user_id")
                except (SlackApiError, OSError) as exc:
                    logger.warning("auth.test failed; the bot's own user id is unknown: %s", exc)
            return self._id


def wire_report(app: App, core: Core, sender: ChartSender) -> None:
    """Give the Slack-free report its Slack helpers: member lists, chart delivery, names.

    ``core`` is one workspace's (with OAuth installs, each installed workspace's Core is wired
    here with its own client, bot/slack/workspaces.py): names go into that workspace's cache.
    """
    client = app.client
    bot_user = BotUser(client)
    core.members_of = lambda channel: channel_members(client, channel, bot_user())

    def deliver(caller: Caller, build: ChartBuild) -> None:
        sender.send_to_user_later(caller.user_id, build, "ofin-report-chart.png")

    core.deliver_chart = deliver

    def names(user_ids: list[str]) -> None:
        refresh_names(client, core.store, user_ids)

    core.refresh_names = names
