"""`/ofin campaign set N per quarter | status | off` (admins) and `/ofin remind off|on` (anyone).

Slack-free. ``campaign status`` needs the channel's members; the Slack app provides them as
``core.members_of`` (without it, the people ofin has seen in the channel count).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.core import Caller, Core, subcommand
from bot.commands.results import Notice
from bot.training.campaign import CampaignError, Progress

MAX_LISTED = 40


@dataclass(frozen=True)
class CampaignStatus:
    """A campaign's progress, for the front end to render."""

    channel_id: str
    progress: Progress

    def to_text(self) -> str:
        """Plain text (the console; Slack has its own renderer)."""
        p = self.progress
        lines = [
            f"Campaign: {p.campaign.describe()} ({p.period.label}). By now each member should "
            f"have {p.expected_now}. {len(p.done)} done, {len(p.behind)} behind."
        ]
        lines += [f"  {u}: {p.answered[u]}" for u in p.behind[:MAX_LISTED]]
        return "\n".join(lines)


def _campaign_accepts(args: str) -> bool:
    words = args.lower().split()
    return bool(words) and words[0] in ("set", "status", "off")


@subcommand(
    "campaign",
    admin=True,
    usage="campaign set N per month|quarter|year | status | off",
    help="A completion campaign here: each member answers N questions per period; weekly DM "
    "reminders to those behind.",
    accepts=_campaign_accepts,
    slack_only=True,
)
def campaign_command(core: Core, caller: Caller, args: str) -> Notice | CampaignStatus:
    channel = caller.channel_id
    if not channel or caller.direct:
        return Notice("Run `campaign` in the team's channel.", kind="error")
    campaigns = core.campaigns
    action = args.split()[0].lower()
    if action == "set":
        try:
            campaign = campaigns.set(channel, args, user_id=caller.user_id)
        except CampaignError as exc:
            return Notice(str(exc), kind="error")
        return Notice(
            f"Campaign on: {campaign.describe()} for everyone in this channel. People behind "
            "get a polite DM once a week (they can stop it with `remind off`)."
        )
    if action == "off":
        if campaigns.stop(channel):
            return Notice("Campaign off: no more reminders from this channel.")
        return Notice("There was no campaign in this channel.")
    current = campaigns.get(channel)
    if current is None:
        return Notice("No campaign here. Start one with `campaign set 10 per quarter`.")
    members = core.members_of(channel) if core.members_of else None
    progress = campaigns.progress(current, members, core.store.clock.now())
    return CampaignStatus(channel, progress)


@subcommand(
    "remind",
    usage="remind off | remind on",
    help="Stop (or allow again) the campaign reminders ofin sends you.",
    accepts=lambda args: args.strip().lower() in ("off", "on"),
    slack_only=True,
)
def remind_command(core: Core, caller: Caller, args: str) -> Notice:
    campaigns = core.campaigns
    if args.strip().lower() == "off":
        campaigns.opt_out(caller.user_id)
        return Notice("Done: no more campaign reminders for you, ever (`remind on` undoes it).")
    if campaigns.opt_in(caller.user_id):
        return Notice("Campaign reminders are on again for you.")
    return Notice("Campaign reminders were already on for you.")
