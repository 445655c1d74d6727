"""A second direct reading of the question: its words and word pairs -> each owner, or "not ours".

The owner head (bot/answer/owner_head.py) reads the question's sentence embedding, which is good
at meaning and blurs the framing: "how long does CloudTrail keep events" and "who keeps CloudTrail
events" embed close together, though only the second is ours to answer. This head reads the
words a question is framed with, as a plain multinomial logistic regression over its terms and
pairs of neighbouring terms (the English reading, so a question typed in another language is read
through the glossary), with service names left out so that what it learns carries across services.

Its vocabulary and weights are learned by ``python -m bot engine fit`` from the labelled questions
(nothing hand-listed) and ship in ``word_head.json``; its log-probabilities are evidence for the
owner model like the owner head's, weighed from out-of-fold readings. Reading a question is a
dictionary lookup per term: no measurable time.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.answer.owner_head import CLASSES

WORD_HEAD_FILE = Path(__file__).with_name("word_head.json")
MIN_QUESTIONS = 2  # a term must appear in this many training questions to be learned
L2 = 3e-3  # chosen on cross-validation (docs/engine.md)
STEPS = 300
LEARNING_RATE = 0.05


def terms(words: Iterable[str]) -> tuple[str, ...]:
    """The terms a question is read by: its words and each pair of neighbouring words ("do we",
    "how long", "turn on" are the framing). Leaving filler words out alone measured worse on
    cross-validation (86.7% against 87.6%) and fixed none of the odd cases, so they stay."""
    listed = [w for w in words if w]
    pairs = [f"{a} {b}" for a, b in zip(listed, listed[1:], strict=False)]
    return tuple(dict.fromkeys(listed + pairs))


@dataclass(frozen=True)
class WordHead:
    """One weight per class for every learned term, and a bias per class."""

    vocabulary: dict[str, int]
    weights: np.ndarray  # (len(vocabulary), len(CLASSES))
    bias: np.ndarray  # (len(CLASSES),)

    def probabilities(self, read: Sequence[str]) -> dict[str, float]:
        """Each class's probability for a question read as ``read`` (see ``terms``)."""
        rows = [self.vocabulary[t] for t in read if t in self.vocabulary]
        logits = self.bias + (self.weights[rows].sum(0) if rows else 0.0)
        logits = logits - logits.max()
        p = np.exp(logits)
        p /= p.sum()
        return {name: float(x) for name, x in zip(CLASSES, p, strict=True)}

    def leaning(self, read: Sequence[str], owner: str, count: int = 3) -> list[str]:
        """The terms that pushed most towards ``owner`` (for "because: …" explanations)."""
        column = CLASSES.index(owner)
        scored = [
            (float(self.weights[self.vocabulary[t], column]), t)
            for t in read
            if t in self.vocabulary
        ]
        return [t for weight, t in sorted(scored, reverse=True)[:count] if weight > 0]

    def to_json(self) -> dict:
        """A plain-data form, for word_head.json (terms in vocabulary order)."""
        order = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {
            "classes": list(CLASSES),
            "terms": order,
            "weights": np.round(self.weights, 4).tolist(),
            "bias": np.round(self.bias, 4).tolist(),
        }

    @classmethod
    def from_json(cls, data: dict) -> WordHead:
        """Read the plain-data form; refuse a head fitted on other classes."""
        if tuple(data["classes"]) != CLASSES:
            raise ValueError("word head was fitted on other classes: run `bot engine fit`")
        return cls(
            {t: k for k, t in enumerate(data["terms"])},
            np.array(data["weights"], dtype=np.float64).reshape(-1, len(CLASSES)),
            np.array(data["bias"], dtype=np.float64),
        )


def fit_word_head(reads: Sequence[Sequence[str]], labels: Sequence[str]) -> WordHead:
    """Maximum likelihood (L2-regularised) by Adam, full batch, over the terms seen in at least
    ``MIN_QUESTIONS`` questions; deterministic."""
    seen = Counter(t for read in reads for t in set(read))
    learned = sorted(t for t, n in seen.items() if n >= MIN_QUESTIONS)
    vocabulary = {t: k for k, t in enumerate(learned)}
    x = np.zeros((len(reads), len(vocabulary)))
    for row, read in enumerate(reads):
        for t in read:
            if t in vocabulary:
                x[row, vocabulary[t]] = 1.0
    y = np.zeros((len(labels), len(CLASSES)))
    y[np.arange(len(labels)), [CLASSES.index(label) for label in labels]] = 1.0
    w = np.zeros((len(vocabulary), len(CLASSES)))
    b = np.log(y.mean(0) + 1e-3)  # fixed: a question of unknown words reads as the prior
    moment, square = np.zeros_like(w), np.zeros_like(w)
    for step in range(1, STEPS + 1):
        logits = x @ w + b
        logits -= logits.max(1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(1, keepdims=True)
        grad = x.T @ ((p - y) / len(labels)) + L2 * w
        moment = 0.9 * moment + 0.1 * grad
        square = 0.999 * square + 0.001 * grad * grad
        corrected = moment / (1 - 0.9**step)
        w = w - LEARNING_RATE * corrected / (np.sqrt(square / (1 - 0.999**step)) + 1e-8)
    return WordHead(vocabulary, w, b)


def load_word_head(path: Path = WORD_HEAD_FILE) -> WordHead | None:
    """The fitted word head shipped with ofin, or None before the first fit."""
    if not path.is_file():
        return None
    return WordHead.from_json(json.loads(path.read_text(encoding="utf-8")))
