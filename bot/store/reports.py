"""Read-only SQL of the training report, the digest and the weak-spot insight, in one workspace.

The reports own what they compute (grouping, streaks, recall); what they read is here, typed, so
every read of the database has one home in bot/store/ and sees one workspace only. The heavy
queries group a period's answers in SQLite (one pass through ``idx_answers_report``, in grouping
order), which keeps a year of answers by 5,000 people under two seconds (bench/bench_report.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.db import Db, parse_ts, ts

REPORT_INDEX = "idx_answers_report"  # m013, led by team_id since m017


@dataclass(frozen=True)
class AnswerGroup:
    """One person's answers in one category and kind (daily or practice) in a period."""

    user_id: str
    category: str | None
    daily: bool
    answered: int
    correct: int
    first_at: str  # stored text, compared as text
    last_at: str


@dataclass(frozen=True)
class AnswerDetail:
    """One answer, daily or practice, as the report's export lists it."""

    user_id: str
    answered_at: str
    daily: bool
    channel_id: str | None
    question_id: str | None
    category: str | None
    choice: str | None
    correct: bool


@dataclass(frozen=True)
class StreakRun:
    """A person's run of right answers on a channel's newest posts (and behind an open one)."""

    user_id: str
    channel_id: str
    run: int
    run_after_open: int


@dataclass(frozen=True)
class RecallPair:
    """A daily question asked a second time in a channel, with its answers then and now."""

    question_id: str
    channel_id: str
    days: int
    first_answered: int
    first_correct: int
    again_answered: int
    again_correct: int


@dataclass(frozen=True)
class Tally:
    """How many answers someone gave, and how many of them were right."""

    key: str
    answered: int
    correct: int


@dataclass(frozen=True)
class Missed:
    """An item a channel answered wrong: how often it was answered, how often missed."""

    item_id: str
    answered: int
    missed: int


@dataclass(frozen=True)
class PostTally:
    """A post that reached its channel: its question, when, and how it was answered."""

    question_id: str
    posted_at: datetime
    answered: int
    correct: int


class Reports:
    """The reports' reads, each a method with its SQL, all in one workspace."""

    def __init__(self, db: Db, team: str) -> None:
        self._db = db
        self._team = team

    def _answers_sql(
        self, channel_id: str | None, members: list[str] | None, *, for_grouping: bool = False
    ) -> tuple[str, str, dict[str, Any]]:
        """The period's daily and practice answers as two queries, with their parameters.

        ``for_grouping``: read the daily answers through the report index, whose order is the
        grouping order, so SQLite streams the groups instead of sorting a year of rows.
        """
        scope = "team_id = :team AND answered_at >= :start AND answered_at < :end"
        daily_where = scope
        practice_where = scope + " AND answered_at IS NOT NULL"
        params: dict[str, Any] = {"team": self._team}
        index = ""
        if channel_id is not None:
            daily_where += " AND channel_id = :channel"
            # Practice is personal: a team member's practice counts wherever they practised.
            practice_where += (
                " AND (user_id IN (SELECT DISTINCT user_id FROM answers"
                " WHERE team_id = :team AND channel_id = :channel)"
                " OR user_id IN (SELECT value FROM json_each(:members)))"
            )
            params |= {"channel": channel_id, "members": json.dumps(members or [])}
        elif for_grouping:
            index = f"INDEXED BY {REPORT_INDEX}"
        columns = (
            "user_id, category, correct, answered_at"
            if for_grouping
            else "user_id, category, correct, answered_at, channel_id, question_id, choice"
        )
        daily = f"SELECT {columns}, 1 AS daily, CAST(post_id AS TEXT) AS source_id "
        daily += f"FROM answers {index} "
        daily += f"WHERE {daily_where}"
        practice = f"SELECT {columns}, 0 AS daily, id FROM practice_prompts WHERE {practice_where}"
        return daily, practice, params

    def answer_groups(
        self, start: datetime, end: datetime, channel_id: str | None, members: list[str] | None
    ) -> list[AnswerGroup]:
        """Per person and category, daily and practice apart: answered, right, first and last."""
        daily, practice, params = self._answers_sql(channel_id, members, for_grouping=True)
        params |= {"start": ts(start), "end": ts(end)}
        group = (
            "SELECT user_id, category, MAX(daily) AS daily, COUNT(*) AS n, SUM(correct) AS ok, "
            "MIN(answered_at) AS first_at, MAX(answered_at) AS last_at FROM ({}) AS answered "
            "GROUP BY user_id, category"
        )
        rows = self._db.rows(group.format(daily), params)
        rows += self._db.rows(group.format(practice), params)
        return [
            AnswerGroup(
                r["user_id"],
                r["category"],
                bool(r["daily"]),
                int(r["n"]),
                int(r["ok"] or 0),
                r["first_at"],
                r["last_at"],
            )
            for r in rows
        ]

    def category_tallies(
        self, start: datetime, end: datetime, channel_id: str | None, members: list[str] | None
    ) -> dict[str, tuple[int, int]]:
        """(answered, correct) per category in [start, end), daily and practice together."""
        daily, practice, params = self._answers_sql(channel_id, members)
        params |= {"start": ts(start), "end": ts(end)}
        totals: dict[str, tuple[int, int]] = {}
        for sql in (daily, practice):
            for row in self._db.rows(
                f"SELECT category, COUNT(*) AS n, SUM(correct) AS ok FROM ({sql}) AS answered "
                "WHERE category IS NOT NULL GROUP BY category",
                params,
            ):
                n, ok = totals.get(row["category"], (0, 0))
                totals[row["category"]] = (n + row["n"], ok + (row["ok"] or 0))
        return totals

    def answer_details(
        self, start: datetime, end: datetime, channel_id: str | None, members: list[str] | None
    ) -> list[AnswerDetail]:
        """Every answer in [start, end), by person then time (the report's --answers export)."""
        daily, practice, params = self._answers_sql(channel_id, members)
        rows = self._db.rows(
            f"SELECT * FROM ({daily} UNION ALL {practice}) AS answered "
            # daily before practice, then by id: post ids as numbers, prompt ids as text
            "ORDER BY user_id, answered_at, daily DESC, LENGTH(source_id), source_id",
            params | {"start": ts(start), "end": ts(end)},
        )
        return [
            AnswerDetail(
                r["user_id"],
                r["answered_at"],
                bool(r["daily"]),
                r["channel_id"],
                r["question_id"],
                r["category"],
                r["choice"],
                bool(r["correct"]),
            )
            for r in rows
        ]

    def known_people(self, end: datetime, channel_id: str | None) -> list[str]:
        """People ofin has seen before ``end`` (in the channel, when one is given), sorted."""
        end_ts = ts(end)
        if channel_id is not None:
            rows = self._db.rows(
                "SELECT DISTINCT user_id FROM answers "
                "WHERE team_id = ? AND channel_id = ? AND answered_at < ?",
                [self._team, channel_id, end_ts],
            )
            return sorted(r["user_id"] for r in rows)
        # Three small queries rather than one UNION, so each can use its own index.
        found = {
            r["user_id"]
            for r in self._db.rows(
                "SELECT user_id FROM users WHERE team_id = ? AND first_seen < ?",
                [self._team, end_ts],
            )
        }
        found.update(
            r["user_id"]
            for r in self._db.rows(
                f"SELECT DISTINCT user_id FROM answers INDEXED BY {REPORT_INDEX} "
                "WHERE team_id = ? AND answered_at < ?",
                [self._team, end_ts],
            )
        )
        found.update(
            r["user_id"]
            for r in self._db.rows(
                "SELECT DISTINCT user_id FROM practice_prompts "
                "WHERE team_id = ? AND answered_at IS NOT NULL AND answered_at < ?",
                [self._team, end_ts],
            )
        )
        return sorted(found)

    def _recent_posts(self, channel_id: str | None) -> str:
        post_filter = "AND channel_id = :channel" if channel_id else ""
        return f"""
            SELECT id, channel_id, status,
                   ROW_NUMBER() OVER (PARTITION BY channel_id ORDER BY id DESC) AS back
            FROM quiz_posts
            WHERE team_id = :team AND status IN ('open', 'closed') AND posted_at < :end
              {post_filter}
        """

    def streak_runs(
        self,
        end: datetime,
        channel_id: str | None,
        window: int | None,
        users: list[str] | None,
    ) -> list[StreakRun]:
        """Per person and channel, the run of right answers on the newest ``window`` posts.

        ``run_after_open`` is the same run counted from the second newest post (for a person who
        has not answered the newest, still open one yet).
        """
        user_filter = "AND a.user_id IN (SELECT value FROM json_each(:users))" if users else ""
        window_filter = "AND r.back <= :window" if window else ""
        rows = self._db.rows(
            f"""
            WITH recent AS ({self._recent_posts(channel_id)}),
            hits AS (
                SELECT a.user_id, a.channel_id, r.back,
                       ROW_NUMBER() OVER (PARTITION BY a.user_id, a.channel_id
                                          ORDER BY r.back) AS rn
                FROM recent r JOIN answers a ON a.post_id = r.id
                WHERE a.correct = 1 AND a.answered_at < :end {window_filter} {user_filter}
            )
            SELECT user_id, channel_id, SUM(CASE WHEN back = rn THEN 1 ELSE 0 END) AS run,
                   SUM(CASE WHEN back = rn + 1 THEN 1 ELSE 0 END) AS run_after_open
            FROM hits GROUP BY user_id, channel_id
            """,
            self._streak_params(end, channel_id)
            | {"users": json.dumps(users or [])}
            | {"window": window},
        )
        return [
            StreakRun(r["user_id"], r["channel_id"], int(r["run"]), int(r["run_after_open"]))
            for r in rows
        ]

    def newest_open(self, end: datetime, channel_id: str | None) -> list[tuple[str, str | None]]:
        """(channel, person who answered it or None) for each channel whose newest post is open."""
        rows = self._db.rows(
            f"""
            WITH recent AS ({self._recent_posts(channel_id)})
            SELECT r.channel_id, a.user_id FROM recent r LEFT JOIN answers a ON a.post_id = r.id
            WHERE r.back = 1 AND r.status = 'open'
            """,
            self._streak_params(end, channel_id),
        )
        return [(r["channel_id"], r["user_id"]) for r in rows]

    def _streak_params(self, end: datetime, channel_id: str | None) -> dict[str, Any]:
        return {"team": self._team, "end": ts(end), "channel": channel_id}

    def recall_pairs(
        self, start: datetime, end: datetime, channel_id: str | None
    ) -> list[RecallPair]:
        """Daily questions asked a second time in [start, end), with accuracy then and now."""
        post_filter = "AND p.channel_id = :channel" if channel_id else ""
        rows = self._db.rows(
            f"""
            WITH posts AS (
                SELECT p.id, p.channel_id, p.question_id, p.posted_at,
                       ROW_NUMBER() OVER (PARTITION BY p.channel_id, p.question_id
                                          ORDER BY p.id) AS nth
                FROM quiz_posts p
                WHERE p.team_id = :team AND p.status IN ('open', 'closed')
                  AND p.posted_at < :end {post_filter}
            ),
            pairs AS (
                SELECT again.id AS again_id, first.id AS first_id, again.channel_id,
                       again.question_id,
                       CAST(julianday(again.posted_at) - julianday(first.posted_at)
                            AS INTEGER) AS days
                FROM posts again JOIN posts first
                  ON first.channel_id = again.channel_id
                 AND first.question_id = again.question_id AND first.nth = 1
                WHERE again.nth = 2 AND again.posted_at >= :start
            ),
            stats AS (
                SELECT post_id, COUNT(*) AS n, SUM(correct) AS ok FROM answers
                WHERE post_id IN (SELECT first_id FROM pairs UNION SELECT again_id FROM pairs)
                GROUP BY post_id
            )
            SELECT pairs.*, COALESCE(f.n, 0) AS first_n, COALESCE(f.ok, 0) AS first_ok,
                   COALESCE(g.n, 0) AS again_n, COALESCE(g.ok, 0) AS again_ok
            FROM pairs LEFT JOIN stats f ON f.post_id = first_id
                 LEFT JOIN stats g ON g.post_id = again_id
            ORDER BY pairs.channel_id, again_id
            """,
            {"team": self._team, "start": ts(start), "end": ts(end), "channel": channel_id},
        )
        return [
            RecallPair(
                r["question_id"],
                r["channel_id"],
                int(r["days"]),
                int(r["first_n"]),
                int(r["first_ok"]),
                int(r["again_n"]),
                int(r["again_ok"]),
            )
            for r in rows
        ]

    def top_answerers(
        self, channel_id: str, start: datetime, end: datetime, limit: int
    ) -> list[Tally]:
        """The channel's people with the most right daily answers in [start, end), best first."""
        rows = self._db.rows(
            "SELECT user_id, SUM(correct) AS ok, COUNT(*) AS n FROM answers "
            "WHERE team_id = ? AND channel_id = ? AND answered_at >= ? AND answered_at < ? "
            "GROUP BY user_id ORDER BY ok DESC, n DESC, MIN(answered_at), user_id LIMIT ?",
            [self._team, channel_id, ts(start), ts(end), limit],
        )
        return [Tally(r["user_id"], int(r["n"]), int(r["ok"])) for r in rows]

    def category_window(
        self, channel_id: str, start: datetime, end: datetime
    ) -> dict[str, tuple[int, int]]:
        """(answered, correct) per category of the channel's daily answers in [start, end)."""
        rows = self._db.rows(
            "SELECT category, COUNT(*) AS n, SUM(correct) AS ok FROM answers "
            "WHERE team_id = ? AND channel_id = ? AND answered_at >= ? AND answered_at < ? "
            "AND category IS NOT NULL GROUP BY category",
            [self._team, channel_id, ts(start), ts(end)],
        )
        return {r["category"]: (int(r["n"]), int(r["ok"] or 0)) for r in rows}

    def most_missed(
        self, channel_id: str, start: datetime, end: datetime, limit: int
    ) -> list[Missed]:
        """The channel's items answered wrong most often in [start, end) (key: the item id)."""
        rows = self._db.rows(
            """
            SELECT p.item_id, COUNT(*) AS n, SUM(1 - a.correct) AS missed
            FROM answers a JOIN quiz_posts p ON p.id = a.post_id
            WHERE a.team_id = ? AND a.channel_id = ? AND a.answered_at >= ?
              AND a.answered_at < ? AND p.item_id IS NOT NULL
            GROUP BY p.item_id HAVING missed > 0
            ORDER BY missed DESC, CAST(missed AS REAL) / n DESC, p.item_id
            LIMIT ?
            """,
            [self._team, channel_id, ts(start), ts(end), limit],
        )
        return [Missed(r["item_id"], int(r["n"]), int(r["missed"])) for r in rows]

    def posts_answered(self, channel_id: str) -> list[PostTally]:
        """The channel's posts that reached Slack, oldest first, with their answer counts."""
        rows = self._db.rows(
            """
            SELECT p.question_id, p.posted_at, COUNT(a.id) AS n,
                   COALESCE(SUM(a.correct), 0) AS ok
            FROM quiz_posts p LEFT JOIN answers a ON a.post_id = p.id
            WHERE p.team_id = ? AND p.channel_id = ? AND p.status IN ('open', 'closed')
              AND p.posted_at IS NOT NULL
            GROUP BY p.id ORDER BY p.id
            """,
            [self._team, channel_id],
        )
        return [
            PostTally(r["question_id"], posted, int(r["n"]), int(r["ok"]))
            for r in rows
            if (posted := parse_ts(r["posted_at"])) is not None
        ]
