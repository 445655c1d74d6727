"""Read-only totals over daily and practice answers: leaderboards, stats and the CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple, cast

from bot.store.db import Db, parse_required_ts, ts
from bot.store.quiz import PostStatus


@dataclass(frozen=True)
class PlayerTotals:
    """One person's daily-quiz totals in a channel (a leaderboard row)."""

    user_id: str
    points: int
    correct: int
    answered: int
    first_answer: datetime


@dataclass(frozen=True)
class ChannelTotals:
    """One channel's daily-quiz activity (a team-board row)."""

    channel_id: str
    posts: int
    players: int  # distinct people who answered
    answers: int
    correct: int


@dataclass(frozen=True)
class UserTotals:
    """A person's counts over every channel and their practice."""

    daily_answered: int
    daily_correct: int
    points: int  # daily points only
    practice_answered: int
    practice_correct: int


class CategoryResult(NamedTuple):
    """How a person did in one category, daily and practice answers together."""

    category: str
    answered: int
    correct: int


@dataclass(frozen=True)
class PostOutcome:
    """A person's result on one post that reached a channel (for streaks)."""

    post_id: int
    status: PostStatus  # "open" or "closed"
    answered: bool
    correct: bool


@dataclass(frozen=True)
class ExportRow:
    """One answer, daily or practice, as the CSV export lists it."""

    answered_at: datetime
    kind: Literal["daily", "practice"]
    user_id: str
    channel_id: str | None
    source_id: str  # the post id (daily) or the prompt id (practice)
    question_id: str | None
    category: str | None
    choice: str | None
    correct: bool
    points: int
    response_ms: int | None


class Scores:
    """Leaderboards, team boards, a person's totals and every answer for export."""

    def __init__(self, db: Db, team: str) -> None:
        self._db = db
        self._team = team

    def leaderboard(self, channel_id: str, since: datetime | None = None) -> list[PlayerTotals]:
        """Daily-quiz totals per person in a channel since ``since``: most points first."""
        where, params = "WHERE team_id = ? AND channel_id = ?", [self._team, channel_id]
        if since is not None:
            where, params = where + " AND answered_at >= ?", [*params, ts(since)]
        rows = self._db.rows(
            f"""
            SELECT user_id, SUM(points) AS points, SUM(correct) AS correct,
                   COUNT(*) AS answered, MIN(answered_at) AS first_answer
            FROM answers {where}
            GROUP BY user_id
            ORDER BY points DESC, correct DESC, answered ASC, user_id
            """,
            params,
        )
        return [
            PlayerTotals(
                user_id=row["user_id"],
                points=int(row["points"]),
                correct=int(row["correct"]),
                answered=int(row["answered"]),
                first_answer=parse_required_ts(row["first_answer"]),
            )
            for row in rows
        ]

    def team_board(self, since: datetime | None = None) -> list[ChannelTotals]:
        """Per channel: posts, distinct players, answers and correct answers since ``since``."""
        post_where, answer_where, params = "", "", [self._team]
        if since is not None:
            post_where = "AND p.posted_at >= ?"
            answer_where = "AND a.answered_at >= ?"
            params = [ts(since), self._team, ts(since)]
        rows = self._db.rows(
            f"""
            SELECT p.channel_id,
                   COUNT(DISTINCT p.id) AS posts,
                   COUNT(DISTINCT a.user_id) AS players,
                   COUNT(a.id) AS answers,
                   COALESCE(SUM(a.correct), 0) AS correct
            FROM quiz_posts p
            LEFT JOIN answers a ON a.post_id = p.id {answer_where}
            WHERE p.team_id = ? AND p.status IN ('open', 'closed') {post_where}
            GROUP BY p.channel_id
            """,
            params,
        )
        return [
            ChannelTotals(
                channel_id=row["channel_id"],
                posts=int(row["posts"]),
                players=int(row["players"]),
                answers=int(row["answers"]),
                correct=int(row["correct"]),
            )
            for row in rows
        ]

    def user_totals(self, user_id: str) -> UserTotals:
        """The person's counts: daily answered/correct/points, practice answered/correct."""
        daily = self._db.rows(
            "SELECT COUNT(*) AS answered, COALESCE(SUM(correct), 0) AS correct, "
            "COALESCE(SUM(points), 0) AS points FROM answers WHERE team_id = ? AND user_id = ?",
            [self._team, user_id],
        )[0]
        practice = self._db.rows(
            "SELECT COUNT(*) AS answered, COALESCE(SUM(correct), 0) AS correct "
            "FROM practice_prompts WHERE team_id = ? AND user_id = ? AND answered_at IS NOT NULL",
            [self._team, user_id],
        )[0]
        return UserTotals(
            daily_answered=int(daily["answered"]),
            daily_correct=int(daily["correct"]),
            points=int(daily["points"]),
            practice_answered=int(practice["answered"]),
            practice_correct=int(practice["correct"]),
        )

    def category_results(self, user_id: str) -> list[CategoryResult]:
        """(category, answered, correct) over the person's daily and practice answers."""
        rows = self._db.rows(
            """
            SELECT category, COUNT(*) AS answered, SUM(correct) AS correct FROM (
                SELECT category, correct FROM answers WHERE team_id = ? AND user_id = ?
                UNION ALL
                SELECT category, correct FROM practice_prompts
                WHERE team_id = ? AND user_id = ? AND answered_at IS NOT NULL
            ) AS mine WHERE category IS NOT NULL GROUP BY category ORDER BY category
            """,
            [self._team, user_id, self._team, user_id],
        )
        return [CategoryResult(r["category"], int(r["answered"]), int(r["correct"])) for r in rows]

    def post_results(self, user_id: str, channel_id: str, limit: int = 400) -> list[PostOutcome]:
        """The person's result on each of the channel's latest posts, newest first."""
        rows = self._db.rows(
            """
            SELECT p.id, p.status, a.id IS NOT NULL AS answered,
                   COALESCE(a.correct, 0) AS correct
            FROM quiz_posts p
            LEFT JOIN answers a ON a.post_id = p.id AND a.user_id = ?
            WHERE p.team_id = ? AND p.channel_id = ? AND p.status IN ('open', 'closed')
            ORDER BY p.id DESC LIMIT ?
            """,
            [user_id, self._team, channel_id, limit],
        )
        return [
            PostOutcome(
                post_id=row["id"],
                status=cast(PostStatus, row["status"]),
                answered=bool(row["answered"]),
                correct=bool(row["correct"]),
            )
            for row in rows
        ]

    def channels_played(self, user_id: str) -> list[str]:
        """Channels where the person answered at least one daily quiz."""
        rows = self._db.rows(
            "SELECT DISTINCT channel_id FROM answers WHERE team_id = ? AND user_id = ? "
            "ORDER BY channel_id",
            [self._team, user_id],
        )
        return [row["channel_id"] for row in rows]

    def export_answers(self) -> Iterator[ExportRow]:
        """Every answer, daily and practice, oldest first (for the CSV export)."""
        rows = self._db.rows(
            """
            SELECT * FROM (
                SELECT answered_at, 'daily' AS kind, user_id, channel_id,
                       CAST(post_id AS TEXT) AS source_id,
                       question_id, category, choice, correct, points, response_ms
                FROM answers WHERE team_id = :team
                UNION ALL
                SELECT answered_at, 'practice', user_id, channel_id, id, question_id, category,
                       choice, correct, COALESCE(points, 0), NULL
                FROM practice_prompts WHERE team_id = :team AND answered_at IS NOT NULL
            ) AS answered
            -- post ids in number order, prompt ids as text
            ORDER BY answered_at, kind, LENGTH(source_id), source_id
            """,
            {"team": self._team},
        )
        for row in rows:
            yield ExportRow(
                answered_at=parse_required_ts(row["answered_at"]),
                kind=cast(Literal["daily", "practice"], row["kind"]),
                user_id=row["user_id"],
                channel_id=row["channel_id"],
                source_id=str(row["source_id"]),
                question_id=row["question_id"],
                category=row["category"],
                choice=row["choice"],
                correct=bool(row["correct"]),
                points=int(row["points"]),
                response_ms=row["response_ms"],
            )
