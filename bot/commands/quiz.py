"""The quiz subcommands of /ofin (and the console): quiz, daily, leaderboard, stats, forget me.

Slack-free: handlers return dataclasses. Slack renders them in bot/slack/render.py, the console
in bot/terminal/console_quiz.py. The daily quiz needs something that can post to a channel; the
Slack app sets it as ``core.publisher`` (bot/slack/daily_runner.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.commands.core import Caller, Core, subcommand
from bot.commands.results import Notice
from bot.kb.model import QuizQuestion
from bot.quiz.daily import NOW_ONCE_WITHIN, DailyQuizzes, PublishOutcome
from bot.quiz.rules import (
    QuizError,
    Review,
    Topic,
    grade,
    next_review,
    pick_practice,
    points,
    questions_for,
    resolve_topic,
)
from bot.quiz.schedule import ScheduleError, format_weekdays, next_slot
from bot.store import PlayerTotals

BOARD_SIZE = 10
PERIODS = ("week", "month", "all")
DEFAULT_PERIOD = "week"
WEAKEST = 3
DAILY_ACTIONS = ("on", "off", "status", "now", "reveal")


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class PracticeQuestion:
    """A practice question for one person; ``prompt_id`` identifies their answer buttons."""

    prompt_id: str
    question: QuizQuestion
    topic: Topic


@dataclass(frozen=True)
class PracticeFeedback:
    """Right or wrong, with the explanation and the source; ``counted`` is False on a re-click."""

    question: QuizQuestion
    choice: str
    correct: bool
    counted: bool
    sources: tuple[str, ...]
    box: int | None = None


@dataclass(frozen=True)
class BoardRow:
    """One person on a leaderboard."""

    rank: int
    user_id: str
    points: int
    correct: int
    answered: int


@dataclass(frozen=True)
class Leaderboard:
    """A channel's board (or every channel's, when ``channel_id`` is None)."""

    channel_id: str | None
    period: str
    rows: tuple[BoardRow, ...]
    me: BoardRow | None  # the caller, when outside the rows shown
    caller_id: str


@dataclass(frozen=True)
class TeamRow:
    """One channel compared with the others."""

    rank: int
    channel_id: str
    posts: int
    players: int
    answers: int
    accuracy: int  # percent correct
    participation: float  # answers per post


@dataclass(frozen=True)
class TeamBoard:
    """Channels compared by accuracy, then participation."""

    period: str
    rows: tuple[TeamRow, ...]


@dataclass(frozen=True)
class Stats:
    """One person's record."""

    user_id: str
    answered: int
    correct: int
    points: int
    streak: int
    daily_answered: int
    practice_answered: int
    weakest: tuple[tuple[str, int, int], ...]  # (category, answered, correct)

    @property
    def accuracy(self) -> int:
        """Percent correct (0 with no answers)."""
        return round(100 * self.correct / self.answered) if self.answered else 0


# ---------------------------------------------------------------------------------------------
# Shared helpers


def _in_channel(caller: Caller) -> bool:
    return caller.in_team_channel


def _zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def period_start(period: str, now: datetime, tz: str | None) -> datetime | None:
    """The start of this week (Monday) or month in the caller's zone; None for "all"."""
    local = now.astimezone(_zone(tz))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return midnight - timedelta(days=local.weekday())
    if period == "month":
        return midnight.replace(day=1)
    return None


def ranked(rows: list[PlayerTotals]) -> list[BoardRow]:
    """Competition ranking by (points, correct): ties share a rank (1, 2, 2, 4)."""
    out: list[BoardRow] = []
    for index, row in enumerate(rows):
        key = (row.points, row.correct)
        prev = out[-1] if out else None
        rank = prev.rank if prev and (prev.points, prev.correct) == key else index + 1
        out.append(BoardRow(rank, row.user_id, row.points, row.correct, row.answered))
    return out


# ---------------------------------------------------------------------------------------------
# Practice quiz


def ask_practice(core: Core, caller: Caller, topic_text: str = "") -> PracticeQuestion:
    """Pick the caller's next practice question by spaced repetition and remember the prompt."""
    core.store.touch_user(caller.user_id, team_id=caller.team_id)
    topic = resolve_topic(core.kb, topic_text)
    questions = questions_for(core.kb, topic)
    if not questions:
        raise QuizError(f"There are no quiz questions on {topic.label} yet.")
    reviews = {
        qid: Review(qid, row.box, row.due_at, row.last_asked_at)
        for qid, row in core.store.reviews_for(caller.user_id).items()
    }
    question = pick_practice(
        questions, reviews, core.store.recent_practice(caller.user_id), core.store.clock.now()
    )
    item = core.kb.item(question.item_id)
    prompt_id = core.store.create_prompt(
        user_id=caller.user_id,
        channel_id=caller.channel_id,
        question_id=question.id,
        item_id=question.item_id,
        category=item.category if item else None,
    )
    return PracticeQuestion(prompt_id, question, topic)


def answer_practice(
    core: Core, user_id: str, prompt_id: str, choice_index: int
) -> PracticeFeedback | Notice:
    """Grade a practice answer; the score and the Leitner step are logged once per prompt."""
    prompt = core.store.prompt(prompt_id)
    questions = {q.id: q for q in core.kb.quiz_questions}
    question = questions.get(prompt.question_id) if prompt else None
    if prompt is None or question is None:
        return Notice("That quiz question has expired. Try `quiz` for a new one.", kind="error")
    if prompt.user_id != user_id:
        # A practice question posted in a thread (an @mention) is its asker's alone.
        return Notice("That practice question is someone else's. Try `quiz` for your own.")
    if not 0 <= choice_index < len(question.choices):
        return Notice("That is not one of the choices.", kind="error")
    item = core.kb.item(question.item_id)
    sources = tuple(item.sources) if item else ()
    if prompt.answered:  # a double click: show the first answer again
        return PracticeFeedback(question, prompt.choice or "", bool(prompt.correct), False, sources)
    correct = grade(question, choice_index)
    choice = question.choices[choice_index]
    if not core.store.answer_prompt(
        prompt_id, user_id=user_id, choice=choice, correct=correct, points=points(correct)
    ):
        again = core.store.prompt(prompt_id)
        return PracticeFeedback(
            question,
            (again.choice or choice) if again else choice,
            bool(again and again.correct),
            False,
            sources,
        )
    row = core.store.reviews_for(user_id).get(question.id)
    previous = Review(question.id, row.box, row.due_at) if row else None
    review = next_review(previous, question.id, correct, core.store.clock.now())
    core.store.save_review(
        user_id=user_id,
        question_id=question.id,
        box=review.box,
        due_at=review.due_at,
        correct=correct,
    )
    return PracticeFeedback(question, choice, correct, True, sources, review.box)


@subcommand(
    "quiz",
    usage="quiz [service or category]",
    help='A practice question only you see, e.g. "quiz", "quiz s3", "quiz identity".',
)
def quiz_command(core: Core, caller: Caller, args: str) -> PracticeQuestion | Notice:
    try:
        return ask_practice(core, caller, args)
    except QuizError as exc:
        return Notice(str(exc), kind="error")


# ---------------------------------------------------------------------------------------------
# Daily quiz


def _fmt_local(when: datetime, tz: str) -> str:
    return when.astimezone(_zone(tz)).strftime("%a %d %b %H:%M") + f" ({tz})"


def _daily_accepts(args: str) -> bool:
    words = args.lower().split()
    return not words or words[0] in DAILY_ACTIONS


@subcommand(
    "daily",
    admin=True,
    usage="daily on [HH:MM] [time zone] [weekdays] | off | status | now | reveal",
    help="Schedule this channel's daily quiz (default 09:00, mon-fri, your time zone).",
    accepts=_daily_accepts,
)
def daily_command(core: Core, caller: Caller, args: str) -> Notice:
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
            rule, first = daily.turn_on(
                channel, rest, default_tz=caller.tz, team_id=caller.team_id, user_id=caller.user_id
            )
        except ScheduleError as exc:
            return Notice(str(exc), kind="error")
        return Notice(
            f"Daily quiz on: {rule.describe()}. The first one posts {_fmt_local(first, rule.tz)}."
        )
    if action == "off":
        if core.store.disable_schedule(channel, updated_by=caller.user_id):
            return Notice("Daily quiz off for this channel. Scores are kept.")
        return Notice("There was no daily quiz scheduled here.")
    if action == "status":
        return _daily_status(core, daily, channel)
    publisher = core.publisher
    if publisher is None:
        return Notice("Daily quizzes are posted by the Slack app; it is not running here.", "error")
    if action == "now":
        post = daily.claim_now(
            channel, caller.team_id, once_within=NOW_ONCE_WITHIN, requested_by=caller.user_id
        )
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
            f"{_fmt_local(outcome.retry_until, rule_tz or 'UTC')} and post it as soon as it can."
        )
    hint = FAILURE_HINTS.get(outcome.reason or "", "")
    return Notice(f"I could not post here: Slack said `{outcome.reason}`.{hint}", kind="error")


FAILURE_HINTS = {
    "not_in_channel": " Invite me first: `/invite @ofin`.",
    "channel_not_found": " Invite me first: `/invite @ofin`.",
    "is_archived": " The channel is archived.",
    "restricted_action": " Only some people may post here; ask a channel manager.",
}


def _daily_status(core: Core, daily: DailyQuizzes, channel: str) -> Notice:
    lines = []
    rule = daily.rule(channel)
    if rule is None:
        lines.append("Daily quiz: off. Turn it on with `daily on [HH:MM] [time zone] [weekdays]`.")
    else:
        nxt = next_slot(rule, daily.now()).due_at
        lines.append(
            f"Daily quiz: on, {rule.at:%H:%M} {rule.tz}, {format_weekdays(rule.weekdays)}."
        )
        lines.append(f"Next post: {_fmt_local(nxt, rule.tz)}.")
    for post in core.store.open_posts(channel):
        count = core.store.answer_count(post.id)
        close = (
            _fmt_local(post.deadline_at, rule.tz if rule else "UTC") if post.deadline_at else "?"
        )
        lines.append(f"Open quiz: {count} answered so far; closes {close}.")
    for post in core.store.posts_posting():
        if post.channel_id == channel:
            why = f" (Slack said: {post.error})" if post.error else ""
            lines.append(f"A quiz is waiting to reach Slack{why}; I keep trying.")
    reveal = core.settings.daily_reveal_hours
    lines.append(
        f"Answers are revealed after {reveal:g} hours or at the next post."
        if reveal
        else "Answers are revealed when the next quiz posts."
    )
    return Notice("\n".join(lines))


# ---------------------------------------------------------------------------------------------
# Scores


def leaderboard(core: Core, caller: Caller, period: str, channel_id: str | None) -> Leaderboard:
    """The board of one channel (or all channels) for a period, plus the caller's own row."""
    since = period_start(period, core.store.clock.now(), caller.tz)
    if channel_id is None:
        rows = _merge_channels(core, since)
    else:
        rows = core.store.leaderboard(channel_id, since)
    board = ranked(rows)
    top = tuple(board[:BOARD_SIZE])
    me = next((r for r in board[BOARD_SIZE:] if r.user_id == caller.user_id), None)
    return Leaderboard(channel_id, period, top, me, caller.user_id)


def _merge_channels(core: Core, since: datetime | None) -> list[PlayerTotals]:
    totals: dict[str, PlayerTotals] = {}
    for team in core.store.team_board(since):
        for row in core.store.leaderboard(team.channel_id, since):
            seen = totals.get(row.user_id)
            totals[row.user_id] = (
                row
                if seen is None
                else PlayerTotals(
                    row.user_id,
                    seen.points + row.points,
                    seen.correct + row.correct,
                    seen.answered + row.answered,
                    min(seen.first_answer, row.first_answer),
                )
            )
    return sorted(
        totals.values(),
        key=lambda r: (-r.points, -r.correct, r.answered, r.user_id),
    )


def team_board(core: Core, caller: Caller, period: str) -> TeamBoard:
    """Channels ranked by accuracy, then by participation (answers per post)."""
    since = period_start(period, core.store.clock.now(), caller.tz)
    rows = []
    for row in core.store.team_board(since):
        posts, answers = row.posts, row.answers
        accuracy = round(100 * row.correct / answers) if answers else 0
        participation = answers / posts if posts else 0.0
        rows.append((row.channel_id, posts, row.players, answers, accuracy, participation))
    rows.sort(key=lambda r: (-r[4], -r[5], r[0]))
    return TeamBoard(period, tuple(TeamRow(i + 1, *r) for i, r in enumerate(rows)))


def stats(core: Core, user_id: str) -> Stats:
    """The person's record: answers, accuracy, points, best current streak, weakest categories."""
    totals = core.store.user_totals(user_id)
    daily = core.daily
    streak = max((daily.streak(user_id, c) for c in core.store.channels_played(user_id)), default=0)
    categories = [c for c in core.store.category_results(user_id) if c.correct < c.answered]
    categories.sort(key=lambda c: (c.correct / c.answered, -c.answered, c.category))
    return Stats(
        user_id,
        totals.daily_answered + totals.practice_answered,
        totals.daily_correct + totals.practice_correct,
        totals.points,
        streak,
        totals.daily_answered,
        totals.practice_answered,
        tuple(categories[:WEAKEST]),
    )


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
        return team_board(core, caller, period)
    period = words[0] if words and words[0] in PERIODS else DEFAULT_PERIOD
    channel = caller.channel_id if _in_channel(caller) else None
    if caller.surface == "slack" and channel is None:
        return Notice("Run `leaderboard` in a channel: each channel is a team.", kind="error")
    return leaderboard(core, caller, period, channel)


@subcommand("stats", usage="stats", help="Your quiz record.", accepts=lambda args: not args)
def stats_command(core: Core, caller: Caller, args: str) -> Stats:
    return stats(core, caller.user_id)


@subcommand(
    "forget",
    usage="forget me",
    help="Delete everything ofin stores about you.",
    accepts=lambda args: args.strip().lower() == "me",
)
def forget_command(core: Core, caller: Caller, args: str) -> Notice:
    deleted = core.store.forget_user(caller.user_id)
    return Notice(
        f"Done: I deleted everything I kept about you ({deleted} records). Training reports "
        "and exports leave you out from now on."
    )


# ---------------------------------------------------------------------------------------------
# Console renderers


def stats_lines(result: Stats) -> list[str]:
    """The person's record as short lines (shared by the console and App Home)."""
    lines = [
        f"Answered: {result.answered} ({result.daily_answered} daily, "
        f"{result.practice_answered} practice)",
        f"Accuracy: {result.accuracy}%" if result.answered else "Accuracy: no answers yet",
        f"Points: {result.points} (daily quizzes score; practice is for learning)",
        f"Streak: {result.streak} daily quiz{'zes' if result.streak != 1 else ''} in a row",
    ]
    if result.weakest:
        weak = ", ".join(f"{c} ({ok}/{n})" for c, n, ok in result.weakest)
        lines.append(f"Weakest: {weak}")
    return lines


__all__ = [
    "BoardRow",
    "Leaderboard",
    "PracticeFeedback",
    "PracticeQuestion",
    "Stats",
    "TeamBoard",
    "TeamRow",
    "answer_practice",
    "ask_practice",
    "leaderboard",
    "stats",
    "team_board",
]
