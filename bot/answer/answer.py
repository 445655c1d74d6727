"""What the engine concludes about one question: the value every front door renders."""

from __future__ import annotations

from dataclasses import dataclass

from bot.kb.model import Item, Service


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
    declined_because: str | None = None  # "empty" | "too_long" | "off_topic" | "unsure" | "depends"
    # Layer by layer, when the evidence names more than one owner: (what, owner) pairs.
    layers: tuple[tuple[str, str], ...] = ()
    probability: float | None = None  # calibrated chance that ``owner`` is right (learned model)
    cues: tuple[str, ...] = ()  # the question's words that leaned most to ``owner`` (word head)

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
            "probability": None if self.probability is None else round(self.probability, 3),
            "layers": [{"what": what, "owner": owner} for what, owner in self.layers],
            "cues": list(self.cues),
        }
