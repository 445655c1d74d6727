"""`/ofin digest on [day] [HH:MM] [time zone] | off | status | now` (admins, in a channel).

Slack-free. Posting needs the Slack app's publisher, ``core.digest_publisher``
(bot/slack/digest_runner.py), which has ``publish(channel_id, claim_id) -> bool``.
"""

from __future__ import annotations

from bot.commands.core import Caller, Core, subcommand
from bot.commands.results import Notice
from bot.quiz.schedule import ScheduleError

ACTIONS = ("on", "off", "status", "now")


def _accepts(args: str) -> bool:
    words = args.lower().split()
    return not words or words[0] in ACTIONS


@subcommand(
    "digest",
    admin=True,
    usage="digest on [day] [HH:MM] [time zone] | off | status | now",
    help="A weekly digest in this channel: top answerers, accuracy, the weakest category "
    "(default Friday 16:00, the daily quiz's time zone; off until turned on).",
    accepts=_accepts,
    slack_only=True,
)
def digest_command(core: Core, caller: Caller, args: str) -> Notice:
    action, _, rest = args.strip().partition(" ")
    action = action.lower() or "status"
    channel = caller.channel_id
    if caller.surface == "console" or not channel or caller.direct:
        return Notice("Run `digest` in the Slack channel that should get it.", kind="error")
    digests = core.digests
    if action == "on":
        daily = core.store.schedules.get(channel)
        tz = daily.tz if daily and daily.enabled else caller.tz
        try:
            schedule = digests.turn_on(channel, rest, default_tz=tz, user_id=caller.user_id)
        except ScheduleError as exc:
            return Notice(str(exc), kind="error")
        return Notice(f"Weekly digest on: {schedule.describe()}.")
    if action == "off":
        if digests.turn_off(channel, caller.user_id):
            return Notice("Weekly digest off for this channel.")
        return Notice("There was no weekly digest here.")
    if action == "status":
        current = digests.schedule(channel)
        if current is None:
            return Notice("Weekly digest: off. Turn it on with `digest on [day] [HH:MM]`.")
        return Notice(f"Weekly digest: on, {current.describe()}.")
    publisher = core.digest_publisher
    if publisher is None:
        return Notice("The digest is posted by the Slack app; it is not running here.", "error")
    claim = digests.claim(channel, None)
    if claim is not None and publisher.publish(channel, claim):
        return Notice("Posted this week's digest in this channel.")
    return Notice("I could not post here. Is ofin a member of this channel?", kind="error")
