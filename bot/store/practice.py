"""Practice quizzes: the prompts shown to one person, and their spaced-repetition state."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from bot.store.db import Db, parse_required_ts, parse_ts, ts


@dataclass(frozen=True)
class ReviewRow:
    """A person's spaced-repetition state for one question: its Leitner box and when it is due."""

    user_id: str
    question_id: str
    box: int
    due_at: datetime
    last_asked_at: datetime | None
    times_answered: int
    times_correct: int


@dataclass(frozen=True)
class PromptRow:
    """A practice question shown to one person, and their answer once they gave it."""

    id: str
    user_id: str
    channel_id: str | None
    question_id: str
    item_id: str | None
    category: str | None
    asked_at: datetime
    answered_at: datetime | None
    choice: str | None
    correct: bool | None
    points: int | None

    @property
    def answered(self) -> bool:
        """True once the owner answered it (it counts once)."""
        return self.answered_at is not None


class Practice:
    """Practice prompts and Leitner reviews."""

    def __init__(self, db: Db, team: str) -> None:
        self._db = db
        self._team = team

    def reviews_for(self, user_id: str) -> dict[str, ReviewRow]:
        """The person's Leitner state per question id."""
        rows = self._db.rows(
            "SELECT * FROM reviews WHERE team_id = ? AND user_id = ?", [self._team, user_id]
        )
        return {
            row["question_id"]: ReviewRow(
                user_id=row["user_id"],
                question_id=row["question_id"],
                box=int(row["box"]),
                due_at=parse_required_ts(row["due_at"]),
                last_asked_at=parse_ts(row["last_asked_at"]),
                # The columns default to 0 but allow NULL (m005).
                times_answered=int(row["times_answered"] or 0),
                times_correct=int(row["times_correct"] or 0),
            )
            for row in rows
        }

    def save_review(
        self, *, user_id: str, question_id: str, box: int, due_at: datetime, correct: bool
    ) -> None:
        """Store the person's new Leitner box for a question after an answer."""
        self._db.execute(
            """
            INSERT INTO reviews (team_id, user_id, question_id, box, due_at, last_asked_at,
                                 times_answered, times_correct)
            VALUES (?, ?, ?, ?, ?, ?, 1, ?)
            ON CONFLICT (team_id, user_id, question_id) DO UPDATE SET
                box = excluded.box, due_at = excluded.due_at,
                last_asked_at = excluded.last_asked_at,
                times_answered = reviews.times_answered + 1,
                times_correct = reviews.times_correct + excluded.times_correct
            """,
            [self._team, user_id, question_id, box, ts(due_at), self._db.now(), int(correct)],
        )

    def recent_practice(self, user_id: str, limit: int = 5) -> list[str]:
        """The question ids of the person's latest practice prompts, newest first."""
        rows = self._db.rows(
            "SELECT question_id FROM practice_prompts WHERE team_id = ? AND user_id = ? "
            "ORDER BY asked_at DESC, rowid DESC LIMIT ?",
            [self._team, user_id, limit],
        )
        return [row["question_id"] for row in rows]

    def create_prompt(
        self,
        *,
        user_id: str,
        channel_id: str | None,
        question_id: str,
        item_id: str | None,
        category: str | None,
    ) -> str:
        """Record a practice question shown to ``user_id``; return the prompt id for its buttons."""
        prompt_id = secrets.token_hex(8)
        self._db.execute(
            "INSERT INTO practice_prompts "
            "(id, team_id, user_id, channel_id, question_id, item_id, category, asked_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                prompt_id,
                self._team,
                user_id,
                channel_id,
                question_id,
                item_id,
                category,
                self._db.now(),
            ],
        )
        return prompt_id

    def prompt(self, prompt_id: str) -> PromptRow | None:
        """The practice prompt with this id, or None."""
        rows = self._db.rows(
            "SELECT * FROM practice_prompts WHERE team_id = ? AND id = ?", [self._team, prompt_id]
        )
        if not rows:
            return None
        row = rows[0]
        return PromptRow(
            id=row["id"],
            user_id=row["user_id"],
            channel_id=row["channel_id"],
            question_id=row["question_id"],
            item_id=row["item_id"],
            category=row["category"],
            asked_at=parse_required_ts(row["asked_at"]),
            answered_at=parse_ts(row["answered_at"]),
            choice=row["choice"],
            correct=None if row["correct"] is None else bool(row["correct"]),
            points=row["points"],
        )

    def answer_prompt(
        self, prompt_id: str, *, user_id: str, choice: str, correct: bool, points: int
    ) -> bool:
        """Record the answer to a practice prompt; True only for its first answer by its owner."""
        return (
            self._db.execute(
                "UPDATE practice_prompts SET answered_at = ?, choice = ?, correct = ?, points = ? "
                "WHERE team_id = ? AND id = ? AND user_id = ? AND answered_at IS NULL",
                [self._db.now(), choice, int(correct), points, self._team, prompt_id, user_id],
            )
            == 1
        )
