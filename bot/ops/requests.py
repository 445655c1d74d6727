"""One line and a few metrics per request: who (team, channel), what came of it, how long it took.

A front door opens a ``RequestRecord`` when a request arrives, the answer path notes what the
engine concluded (``note``), and whoever finishes the work calls ``finish`` once: on the request
thread when the ack was all there was to do, else on the worker that did the rest. The line names
the surface, team and channel ids, the outcome (answered, declined, depends, ok, busy, error,
duplicate; ignored, at DEBUG), the latency, and for answers the item id and confidence. It never
holds what a person typed, unless the log level is DEBUG.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from bot.answer.answer import Answer
from bot.commands.results import AnswerResult
from bot.ops import metrics
from bot.ops.logs import FIELDS

logger = logging.getLogger("ofin.request")

ANSWER_OUTCOMES = ("answered", "declined", "depends")


def answer_outcome(answer: Answer) -> str:
    """answered, depends (the owner is different layer by layer) or declined."""
    if answer.answered:
        return "answered"
    return "depends" if answer.declined_because == "depends" else "declined"


@dataclass
class RequestRecord:
    """What is known about one request so far; ``finish`` logs it and counts it, once."""

    surface: str  # command, mention, dm, action, view, home, event...
    team: str | None = None
    channel: str | None = None
    text: str | None = None  # what the person typed: logged at DEBUG only
    started: float = field(default_factory=time.monotonic)
    outcome: str = "ok"
    item: str | None = None
    confidence: int | None = None
    owner: str | None = None
    reason: str | None = None  # why the engine declined
    deferred: bool = False  # a worker finishes it (after the ack)
    quiet: bool = False  # already said in another line (an unhandled request's warning)
    _finished: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def note(self, result: object) -> None:
        """Remember what the engine concluded, when ``result`` is an answer; count it."""
        if isinstance(result, AnswerResult):
            self.note_answer(result.answer)

    def note_answer(self, answer: Answer) -> None:
        """Remember the engine's verdict (outcome, owner, item, confidence); count it."""
        self.outcome = answer_outcome(answer)
        self.owner = answer.owner
        self.item = answer.item.id if answer.item else None
        self.confidence = answer.confidence
        self.reason = None if answer.answered else (answer.declined_because or "unsure")
        metrics.ANSWERS.labels(self.owner or "none", self.outcome).inc()
        if self.reason:
            metrics.DECLINES.labels(self.reason).inc()

    def finish(self, outcome: str | None = None) -> None:
        """Log the request's line and count it; later calls do nothing."""
        with self._lock:
            if self._finished:
                return
            self._finished = True
        if outcome is not None:
            self.outcome = outcome
        seconds = time.monotonic() - self.started
        metrics.REQUESTS.labels(self.surface, self.outcome).inc()
        if self.outcome in ANSWER_OUTCOMES:
            metrics.ANSWER_SECONDS.labels(self.surface).observe(seconds)
        if self.quiet:
            return
        fields = self.fields(seconds)
        shown = " ".join(f"{k}={v}" for k, v in fields.items() if k not in ("surface", "outcome"))
        # A request ofin leaves alone on purpose (its own replies come back as events) is news
        # only when debugging.
        level = logging.DEBUG if self.outcome == "ignored" else logging.INFO
        logger.log(
            level, "%s request: %s (%s)", self.surface, self.outcome, shown, extra={FIELDS: fields}
        )

    def fields(self, seconds: float) -> dict[str, object]:
        """The line's structured fields (no text unless the log level is DEBUG)."""
        fields: dict[str, object] = {
            "surface": self.surface,
            "team": self.team,
            "channel": self.channel,
            "outcome": self.outcome,
            "latency_ms": round(seconds * 1000, 1),
        }
        if self.item is not None or self.confidence is not None:
            fields.update(item=self.item, confidence=self.confidence, owner=self.owner)
        if self.reason:
            fields["reason"] = self.reason
        if self.text is not None and logger.isEnabledFor(logging.DEBUG):
            fields["text"] = self.text
        return fields
