"""Each quiz question's content hash and when a process first loaded it (migration m011)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.store.db import Db


@dataclass(frozen=True)
class VersionRow:
    """One wording of a question, and when it was first seen."""

    question_id: str
    version: str
    first_seen: str  # stored timestamp text: compared as text with answers' timestamps


class QuestionVersions:
    """Record the versions the knowledge base holds; read the history back."""

    def __init__(self, db: Db) -> None:
        self._db = db

    def record(self, versions: Iterable[tuple[str, str]]) -> int:
        """Remember each (question id, version) once, seen now; return how many were new."""
        now = self._db.now()
        return self._db.execute_many(
            "INSERT OR IGNORE INTO question_versions (question_id, version, first_seen) "
            "VALUES (?, ?, ?)",
            [(question_id, version, now) for question_id, version in versions],
        )

    def history(self) -> list[VersionRow]:
        """Every recorded version, by question then oldest first."""
        rows = self._db.rows(
            "SELECT question_id, version, first_seen FROM question_versions "
            "ORDER BY question_id, first_seen"
        )
        return [VersionRow(r["question_id"], r["version"], r["first_seen"]) for r in rows]
