"""Campaign reminders: a background thread that DMs people behind, once a week at most.

Each tick, for every running campaign not checked in the last CHECK_EVERY, it reads the channel's
members from Slack, asks the Slack-free core (bot/training/campaign.py) who is behind and claims
their reminder for this ISO week in SQLite (so never twice a week, even across restarts or from two
campaigns), then sends at most PER_TICK DMs; the rest follow on later ticks, which keeps ofin well
inside Slack's rate limits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands.core import Core
from bot.slack.report import BotUser, channel_members
from bot.slack.ticker import Ticker
from bot.training.campaign import Campaigns, reminder_text

logger = logging.getLogger(__name__)

PER_TICK = 20
CHECK_EVERY = timedelta(minutes=15)  # per campaign: members are read from Slack at most this often


class CampaignRunner(Ticker):
    """Sends weekly campaign reminders in a thread."""

    thread_name = "ofin-campaigns"

    def __init__(
        self,
        client: WebClient,
        core: Core,
        campaigns: Campaigns,
        members_of: Callable[[str], list[str] | None],
    ) -> None:
        self.client = client
        self.core = core
        self.campaigns = campaigns
        self.members_of = members_of
        self.interval = core.settings.scheduler_seconds
        super().__init__(leads=core.store.leads_schedules)
        self._checked: dict[str, datetime] = {}  # campaign channel -> last full check

    def tick(self) -> int:
        """Send the reminders due now (at most PER_TICK); return how many were sent."""

        sent = 0
        now = self.core.store.clock.now()
        for campaign in self.campaigns.running():
            if sent >= PER_TICK:
                break
            last = self._checked.get(campaign.channel_id)
            if last is not None and timedelta(0) <= now - last < CHECK_EVERY:
                continue
            members = self.members_of(campaign.channel_id)
            if not members:
                self._checked[campaign.channel_id] = now
                continue
            due = self.campaigns.reminders_due(campaign, members, now, PER_TICK - sent)
            if len(due) < PER_TICK - sent:  # everyone behind is reminded: rest until later
                self._checked[campaign.channel_id] = now
            for user, answered, progress in due:
                text = reminder_text(campaign.channel_id, campaign, answered, progress, now)
                if self._dm(user, text):
                    sent += 1
        return sent

    def _dm(self, user: str, text: str) -> bool:
        # The reminder is claimed before it is sent: a failure loses this week's reminder rather
        # than risking a second one (the same choice as the daily quiz).
        try:
            channel = (self.client.conversations_open(users=user).get("channel") or {}).get("id")
            if channel:
                self.client.chat_postMessage(channel=channel, text=text)
                return True
        except SlackApiError as exc:
            logger.warning("could not remind %s: %s", user, exc.response.get("error"))
        return False


def wire_campaigns(app: App, core: Core) -> CampaignRunner:
    """The reminder scheduler of ``core``'s workspace (its caller starts it)."""
    client = app.client
    bot_user = BotUser(client)  # asked when a reminder pass first needs it, not here
    runner = CampaignRunner(
        client, core, core.campaigns, lambda channel: channel_members(client, channel, bot_user())
    )
    return runner
