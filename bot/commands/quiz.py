"""The quiz subcommands of /ofin (and the console): quiz, daily, leaderboard, stats, forget me.

Thin: parse the arguments, call the use cases (bot/quiz/practice.py, bot/quiz/scores.py,
bot/quiz/daily.py), return their results or a Notice. Slack renders them in bot/slack/render.py,
the console in bot/terminal/console_quiz.py. The daily quiz needs something that can post to a
channel; the Slack app sets it as ``core.publisher`` (bot/slack/publisher.py).
"""

from __future__ import annotations

from bot.commands.core import Caller, Core, subcommand
from bot.commands.results import Notice
from bot.quiz import practice, scores
from bot.quiz.daily import NOW_ONCE_WITHIN, DailyStatus, PublishOutcome
from bot.quiz.practice import PracticeFeedback, PracticeQuestion
from bot.quiz.rules import QuizError
from bot.quiz.schedule import ScheduleError, format_local
from bot.quiz.scores import DEFAULT_PERIOD, PERIODS, Leaderboard, Stats, TeamBoard

DAILY_ACTIONS = ("on", "off", "status", "now", "reveal")

# What a refused practice answer tells the person (bot/quiz/practice.py says why).
REFUSALS: dict[practice.RefusalReason, Notice] = {
    "expired": Notice("That quiz question has expired. Try `quiz` for a new one.", kind="error"),
    "not_yours": Notice("That practice question is someone else's. Try `quiz` for your own."),
    "no_such_choice": Notice("That is not one of the choices.", kind="error"),
}


def _in_channel(caller: Caller) -> bool:
    return caller.in_team_channel


# ---------------------------------------------------------------------------------------------
# Practice quiz


def answer_practice(
    core: Core, user_id: str, prompt_id: str, choice_index: int
) -> PracticeFeedback | Notice:
    """Grade a practice answer (a button click or a console reply); a refusal as a Notice."""
    result = practice.answer_practice(core.store, core.kb, user_id, prompt_id, choice_index)
    if isinstance(result, practice.PracticeRefusal):
        return REFUSALS[result.reason]
    return result


@subcommand(
    "quiz",
    usage="quiz [service or category]",
    help='A practice question only you see, e.g. "quiz", "quiz s3", "quiz identity".',
)
def quiz_command(core: Core, caller: Caller, args: str) -> PracticeQuestion | Notice:
    try:
        return practice.ask_practice(
            core.store,
            core.kb,
            caller.user_id,
            channel_id=caller.channel_id,
            topic_text=args,
        )
    except QuizError as exc:
        return Notice(str(exc), kind="error")


def _forget_workspace(core: Core, caller: Caller, confirm: list[str]) -> Notice:
    """``forget workspace``: an admin deletes every row of this workspace, once confirmed."""
    if not caller.is_admin:
        return Notice("Only an admin can make ofin forget this workspace.", kind="error")
    team = core.store.team
    if confirm != [team]:
        return Notice(
            "This deletes everything ofin keeps about this workspace: scores, answers, schedules,"
            " saved stacks, campaigns, digests and feedback, for everyone, now. To go ahead: "
            f"`forget workspace {team}`.",
            kind="error",
        )
    deleted = core.store.forget_workspace()
    return Notice(f"Done: I deleted everything I kept about this workspace ({deleted} records).")


# ---------------------------------------------------------------------------------------------
# Daily quiz


def _daily_accepts(args: str) -> bool:
    words = args.lower().split()
    return not words or words[0] in DAILY_ACTIONS


@subcommand(
    "daily",
    admin=True,
    usage="daily on [HH:MM] [time zone] [weekdays] | off | status | now | reveal",
    help="Schedule this channel's daily quiz (default 09:00, mon-fri, your time zone).",
    accepts=_daily_accepts,
    slack_only=True,
)
def daily_command(core: Core, caller: Caller, args: str) -> Notice | DailyStatus:
    action, _, rest = args.strip().partition(" ")
    action = action.lower() or "status"
    if caller.surface == "console":
        return Notice(
            "The daily quiz posts to a Slack channel: run `/ofin daily …` there. Here, try `quiz`.",
            kind="error",
        )
    if not _in_channel(caller):
        return Notice("Run `daily` in the channel that should get the quiz.", kind="error")
    daily = core.daily
    channel = str(caller.channel_id)
    if action == "on":
        try:
            rule, first = daily.turn_on(channel, rest, default_tz=caller.tz, user_id=caller.user_id)
        except ScheduleError as exc:
            return Notice(str(exc), kind="error")
        return Notice(
            f"Daily quiz on: {rule.describe()}. The first one posts {format_local(first, rule.tz)}."
        )
    if action == "off":
        if core.store.schedules.disable(channel, updated_by=caller.user_id):
            return Notice("Daily quiz off for this channel. Scores are kept.")
        return Notice("There was no daily quiz scheduled here.")
    if action == "status":
        return daily.status(channel, reveal_hours=core.settings.daily_reveal_hours)
    publisher = core.publisher
    if publisher is None:
        return Notice("Daily quizzes are posted by the Slack app; it is not running here.", "error")
    if action == "now":
        post = daily.claim_now(channel, once_within=NOW_ONCE_WITHIN, requested_by=caller.user_id)
        if post is None:
            return Notice("A quiz was posted here less than a minute ago: one is enough.")
        return _published(publisher.publish(post), rule_tz=caller.tz)
    closed = daily.close_open(channel)
    for post in closed:
        publisher.reveal(post)
    if not closed:
        return Notice("There is no open quiz in this channel.")
    return Notice("Closed the quiz and revealed the answer.")


def _published(outcome: PublishOutcome | bool, rule_tz: str | None) -> Notice:
    """Tell the admin what became of ``daily now``, with Slack's own reason when it failed."""
    if outcome:
        return Notice("Posted a quiz in this channel.")
    if not isinstance(outcome, PublishOutcome):
        return Notice("I could not post here.", kind="error")
    if outcome.status == "retrying" and outcome.retry_until is not None:
        return Notice(
            f"Slack is not taking posts right now ({outcome.reason}). I keep trying until "
            f"{format_local(outcome.retry_until, rule_tz or 'UTC')} and post it as soon as it can."
        )
    hint = FAILURE_HINTS.get(outcome.reason or "", "")
    return Notice(f"I could not post here: Slack said `{outcome.reason}`.{hint}", kind="error")


FAILURE_HINTS = {
    "not_in_channel": " Invite me first: `/invite @ofin`.",
    "channel_not_found": " Invite me first: `/invite @ofin`.",
    "is_archived": " The channel is archived.",
    "restricted_action": " Only some people may post here; ask a channel manager.",
}


# ---------------------------------------------------------------------------------------------
# Scores


def _leaderboard_accepts(args: str) -> bool:
    words = args.lower().split()
    return not words or (words[0] in (*PERIODS, "teams") and len(words) <= 2)


@subcommand(
    "leaderboard",
    usage="leaderboard [week|month|all] | leaderboard teams",
    help="This channel's daily-quiz board (default: this week), or channels compared.",
    accepts=_leaderboard_accepts,
)
def leaderboard_command(core: Core, caller: Caller, args: str) -> Leaderboard | TeamBoard | Notice:
    words = args.lower().split()
    if words[:1] == ["teams"]:
        period = words[1] if len(words) > 1 and words[1] in PERIODS else DEFAULT_PERIOD
        return scores.team_board(core.store, period, caller.tz)
    period = words[0] if words and words[0] in PERIODS else DEFAULT_PERIOD
    channel = caller.channel_id if _in_channel(caller) else None
    if caller.surface == "slack" and channel is None:
        return Notice("Run `leaderboard` in a channel: each channel is a team.", kind="error")
    return scores.leaderboard(core.store, period, channel, user_id=caller.user_id, tz=caller.tz)


@subcommand("stats", usage="stats", help="Your quiz record.", accepts=lambda args: not args)
def stats_command(core: Core, caller: Caller, args: str) -> Stats:
    return scores.stats(core.store, core.daily, caller.user_id)


@subcommand(
    "forget",
    usage="forget me | forget workspace",
    help="Delete everything ofin stores about you (admins: about this whole workspace).",
    accepts=lambda args: args.strip().lower().split()[:1] in (["me"], ["workspace"]),
)
def forget_command(core: Core, caller: Caller, args: str) -> Notice:
    words = args.strip().split()
    if words[0].lower() == "workspace":
        return _forget_workspace(core, caller, words[1:])
    deleted = core.store.people.forget_user(caller.user_id)
    return Notice(
        f"Done: I deleted everything I kept about you ({deleted} records). Training reports "
        "and exports leave you out from now on."
    )
