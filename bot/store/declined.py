"""Questions the bot declined to answer, kept for curators."""

from __future__ import annotations

from typing import NamedTuple

from bot.store.db import Db

MAX_LOGGED_QUESTION = 500  # characters of a declined question kept for curators


def normalize_question(text: str) -> str:
    """Fold a question so that trivially different spellings count as one (case, spaces, '?')."""
    return " ".join(text.lower().split()).rstrip(" ?!.")


class DeclinedCount(NamedTuple):
    """A declined question (its latest spelling) and how often it was asked."""

    question: str
    times: int


class DeclinedQuestions:
    """Log declined questions and count the most frequent."""

    def __init__(self, db: Db, team: str) -> None:
        self._db = db
        self._team = team

    def record_declined(
        self, *, question: str, user_id: str | None, channel_id: str | None
    ) -> None:
        """Log a question the bot declined to answer (the first MAX_LOGGED_QUESTION characters)."""
        self._db.execute(
            "INSERT INTO declined (team_id, question, normalized, user_id, channel_id, asked_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                self._team,
                question.strip()[:MAX_LOGGED_QUESTION],
                normalize_question(question[:MAX_LOGGED_QUESTION]),
                user_id,
                channel_id,
                self._db.now(),
            ],
        )

    def top_declined(self, limit: int = 10) -> list[DeclinedCount]:
        """The most often declined questions as (question, count), most first, ties newest first."""
        rows = self._db.rows(
            """
            SELECT normalized, COUNT(*) AS n, MAX(asked_at) AS last_asked,
                   (SELECT d2.question FROM declined d2
                    WHERE d2.team_id = d.team_id AND d2.normalized = d.normalized
                    ORDER BY d2.id DESC LIMIT 1) AS question
            FROM declined d
            WHERE team_id = ?
            GROUP BY team_id, normalized
            ORDER BY n DESC, last_asked DESC
            LIMIT ?
            """,
            [self._team, max(0, limit)],
        )
        return [DeclinedCount(row["question"], int(row["n"])) for row in rows]
