"""Question -> best knowledge item, with a confidence; no Slack imports."""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge import Item, KnowledgeBase, Service


@dataclass(frozen=True)
class Answer:
    """What the engine concluded about one question."""

    question: str
    owner: str | None  # "aws" | "customer" | "shared", or None when declining
    item: Item | None
    confidence: int  # 0-100
    service: Service | None
    suggestions: tuple[Item, ...]  # "did you mean" candidates (up to 3), best first
    note: str | None = None  # the item's note for the detected service
    declined_because: str | None = None  # "empty" | "too_long" | "off_topic" | "unsure"

    @property
    def answered(self) -> bool:
        """True when the engine names an owner."""
        return self.owner is not None

    def to_json(self) -> dict:
        """The JSON contract of `python -m bot ask --json`."""
        return {
            "question": self.question,
            "owner": self.owner,
            "item": self.item.id if self.item else None,
            "title": self.item.title if self.item else None,
            "confidence": self.confidence,
            "service": self.service.id if self.service else None,
            "suggestions": [s.id for s in self.suggestions],
            "note": self.note,
            "declined_because": self.declined_because,
        }


class Matcher:
    """Match free-text questions against a knowledge base, indexed once."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb

    def ask(self, question: str) -> Answer:
        """Answer one question; deterministic."""
        raise NotImplementedError

    def find_service(self, text: str) -> Service | None:
        """The service named in ``text`` ("my lambda", "on RDS"), or None."""
        raise NotImplementedError
