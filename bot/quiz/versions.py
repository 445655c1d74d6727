"""Which wording of a quiz question a person answered: a content hash recorded as the KB loads.

A question's id ("<item>#<n>") stays when its text is edited, so an auditor needs more to know
what was asked. Each process records the hash of every question's current text, choices and
answer with the time it first saw it; an answer's version is the newest one seen before it. This
costs nothing when a question is asked (no column to fill on the hot path); its limit: an edit is
known from the first process start that loads it, not from the moment the file changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from bot.kb.model import QuizQuestion
from bot.store import Store


def question_version(question: QuizQuestion) -> str:
    """A short, stable hash of what the person saw and what counted as right."""
    text = "\x1f".join([question.question, *question.choices, "=", question.answer])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def record_versions(store: Store, questions: Iterable[QuizQuestion]) -> int:
    """Remember every question's current version (once); return how many were new."""
    return store.versions.record((q.id, question_version(q)) for q in questions)


class VersionLookup:
    """The version of a question at a given instant (from the recorded history)."""

    def __init__(self, store: Store) -> None:
        self._history: dict[str, list[tuple[str, str]]] = {}
        for row in store.versions.history():
            self._history.setdefault(row.question_id, []).append((row.first_seen, row.version))

    def at(self, question_id: str, when: str) -> str:
        """The version live at ``when`` (stored timestamp text); "" when it predates tracking."""
        found = ""
        for first_seen, version in self._history.get(question_id, ()):
            if first_seen > when:
                break
            found = version
        return found
