"""Leaderboards and a person's record: the daily quiz's scores, read from the store.

Slack-free and command-free; bot/commands/quiz.py parses the arguments, the front doors render.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.quiz.daily import DailyQuizzes
from bot.quiz.schedule import zone
from bot.store import PlayerTotals, Store

Period = Literal["week", "month", "all"]
BOARD_SIZE = 10
PERIODS: tuple[Period, ...] = ("week", "month", "all")
DEFAULT_PERIOD: Period = "week"
WEAKEST = 3


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


def period_start(period: str, now: datetime, tz: str | None) -> datetime | None:
    """The start of this week (Monday) or month in the caller's zone; None for "all"."""
    local = now.astimezone(zone(tz))
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


def leaderboard(
    store: Store, period: str, channel_id: str | None, *, user_id: str, tz: str | None
) -> Leaderboard:
    """The board of one channel (or all channels) for a period, plus ``user_id``'s own row."""
    since = period_start(period, store.clock.now(), tz)
    if channel_id is None:
        rows = _merge_channels(store, since)
    else:
        rows = store.scores.leaderboard(channel_id, since)
    board = ranked(rows)
    top = tuple(board[:BOARD_SIZE])
    me = next((r for r in board[BOARD_SIZE:] if r.user_id == user_id), None)
    return Leaderboard(channel_id, period, top, me, user_id)


def _merge_channels(store: Store, since: datetime | None) -> list[PlayerTotals]:
    totals: dict[str, PlayerTotals] = {}
    for team in store.scores.team_board(since):
        for row in store.scores.leaderboard(team.channel_id, since):
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


def team_board(store: Store, period: str, tz: str | None) -> TeamBoard:
    """Channels ranked by accuracy, then by participation (answers per post)."""
    since = period_start(period, store.clock.now(), tz)
    rows = []
    for row in store.scores.team_board(since):
        posts, answers = row.posts, row.answers
        accuracy = round(100 * row.correct / answers) if answers else 0
        participation = answers / posts if posts else 0.0
        rows.append((row.channel_id, posts, row.players, answers, accuracy, participation))
    rows.sort(key=lambda r: (-r[4], -r[5], r[0]))
    return TeamBoard(period, tuple(TeamRow(i + 1, *r) for i, r in enumerate(rows)))


def stats(store: Store, daily: DailyQuizzes, user_id: str) -> Stats:
    """The person's record: answers, accuracy, points, best current streak, weakest categories."""
    totals = store.scores.user_totals(user_id)
    streak = max(
        (daily.streak(user_id, c) for c in store.scores.channels_played(user_id)), default=0
    )
    categories = [c for c in store.scores.category_results(user_id) if c.correct < c.answered]
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


def stats_lines(record: Stats) -> list[str]:
    """A person's record as short plain lines: the one wording both front doors show
    (the console's `stats`, Slack's /ofin stats and App Home)."""
    lines = [
        f"Answered: {record.answered} ({record.daily_answered} daily, "
        f"{record.practice_answered} practice)",
        f"Accuracy: {record.accuracy}%" if record.answered else "Accuracy: no answers yet",
        f"Points: {record.points} (daily quizzes score; practice is for learning)",
        f"Streak: {record.streak} daily quiz{'zes' if record.streak != 1 else ''} in a row",
    ]
    if record.weakest:
        weak = ", ".join(f"{c} ({ok}/{n})" for c, n, ok in record.weakest)
        lines.append(f"Weakest: {weak}")
    return lines
