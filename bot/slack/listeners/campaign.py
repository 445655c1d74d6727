"""Completion campaigns in Slack: the status renderer and the weekly reminder thread."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.commands.campaign import MAX_LISTED, CampaignStatus, campaigns_of
from bot.commands.dispatch import Core
from bot.slack.app import STARTUP_HOOKS, on_startup
from bot.slack.campaign_runner import CampaignRunner
from bot.slack.listeners.report import channel_members
from bot.slack.render import Where, slack_renderer

RUNNER_KEY = "campaign_runner"


@slack_renderer(CampaignStatus)
def _status(result: CampaignStatus, where: Where) -> dict:
    p = result.progress
    head = (
        f"*Campaign in <#{result.channel_id}>:* {p.campaign.describe()} ({p.period.label}). "
        f"By now each member should have {p.expected_now}. {len(p.done)} done, "
        f"{len(p.behind)} behind."
    )
    lines = [f"• <@{u}>: {p.answered[u]}" for u in p.behind[:MAX_LISTED]]
    if len(p.behind) > MAX_LISTED:
        lines.append(f"… and {len(p.behind) - MAX_LISTED} more")
    text = head + ("\n*Behind*\n" + "\n".join(lines) if lines else "\nNobody is behind.")
    return {
        "text": head,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}],
    }


def start_campaigns(app: App, core: Core) -> None:
    """Start the reminder thread."""
    client = app.client
    try:
        bot_user = client.auth_test().get("user_id")
    except SlackApiError:
        bot_user = None
    runner = CampaignRunner(
        client, core, campaigns_of(core), lambda channel: channel_members(client, channel, bot_user)
    )
    core.extras[RUNNER_KEY] = runner
    runner.start()


def register(app: App) -> None:
    """Register the reminder thread's start-up hook."""
    if start_campaigns not in STARTUP_HOOKS:
        on_startup(start_campaigns)
