"""A direct reading of the question: its embedding -> how likely each owner is, or "not ours".

The owner model (bot/answer/owner_model.py) weighs the knowledge items closest to a question. This
head reads the question itself: a multinomial logistic regression on the question's sentence
embedding (the multilingual model's, so a question reads alike in any language), fitted on the
labelled questions by ``python -m bot engine fit``. Its probabilities enter the owner model as
evidence like any other, with a weight fitted on out-of-fold readings, so the model learns how far
to trust it; on its own it never names an owner.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HEAD_FILE = Path(__file__).with_name("owner_head.json")
CLASSES = ("aws", "customer", "shared", "none")
_FLOOR = 1e-3  # log-probabilities are floored: one confident head never vetoes the evidence
L2 = 1e-4  # chosen on cross-validation and the validation set F (docs/engine.md)
STEPS = 400
LEARNING_RATE = 0.05


@dataclass(frozen=True)
class OwnerHead:
    """Weights per class over the embedding's dimensions, and the encoder they were fitted on."""

    weights: np.ndarray  # (dimensions, len(CLASSES))
    bias: np.ndarray  # (len(CLASSES),)
    encoder: str  # the embedding model's fingerprint: other vectors would be read wrongly

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        """Each class's probability for one question's embedding."""
        logits = vector.astype(np.float64) @ self.weights + self.bias
        logits -= logits.max()
        p = np.exp(logits)
        p /= p.sum()
        return {name: float(x) for name, x in zip(CLASSES, p, strict=True)}

    def to_json(self) -> dict:
        """A plain-data form, for owner_head.json."""
        return {
            "classes": list(CLASSES),
            "encoder": self.encoder,
            "weights": np.round(self.weights, 5).tolist(),
            "bias": np.round(self.bias, 5).tolist(),
        }

    @classmethod
    def from_json(cls, data: dict) -> OwnerHead:
        """Read the plain-data form; refuse a head fitted on other classes."""
        if tuple(data["classes"]) != CLASSES:
            raise ValueError("owner head was fitted on other classes: run `bot engine fit`")
        return cls(
            np.array(data["weights"], dtype=np.float64),
            np.array(data["bias"], dtype=np.float64),
            str(data["encoder"]),
        )


def log_chance(probabilities: dict[str, float], name: str) -> float:
    """The floored log-probability the owner model weighs."""
    return float(np.log(probabilities.get(name, 0.0) + _FLOOR))


def fit_head(
    vectors: np.ndarray,
    labels: Sequence[str],
    encoder: str,
    sample_weights: np.ndarray | None = None,
) -> OwnerHead:
    """Maximum likelihood (L2-regularised) by Adam, full batch; deterministic."""
    x = vectors.astype(np.float64)
    y = np.zeros((len(labels), len(CLASSES)))
    y[np.arange(len(labels)), [CLASSES.index(label) for label in labels]] = 1.0
    weight = np.ones(len(labels)) if sample_weights is None else sample_weights
    weight = weight / weight.sum()
    w = np.zeros((x.shape[1], len(CLASSES)))
    b = np.log(y.mean(0) + 1e-3)
    m = [np.zeros_like(w), np.zeros_like(b)]
    s = [np.zeros_like(w), np.zeros_like(b)]
    for step in range(1, STEPS + 1):
        logits = x @ w + b
        logits -= logits.max(1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(1, keepdims=True)
        delta = (p - y) * weight[:, None]
        grads = (x.T @ delta + L2 * w, delta.sum(0))
        params = [w, b]
        for k, grad in enumerate(grads):
            m[k] = 0.9 * m[k] + 0.1 * grad
            s[k] = 0.999 * s[k] + 0.001 * grad * grad
            m_hat = m[k] / (1 - 0.9**step)
            s_hat = s[k] / (1 - 0.999**step)
            params[k] = params[k] - LEARNING_RATE * m_hat / (np.sqrt(s_hat) + 1e-8)
        w, b = params
    return OwnerHead(w, b, encoder)


def load_head(encoder: str, path: Path = HEAD_FILE) -> OwnerHead | None:
    """The fitted head shipped with ofin, when it was fitted on this encoder's vectors."""
    if not path.is_file():
        return None
    head = OwnerHead.from_json(json.loads(path.read_text()))
    return head if head.encoder == encoder else None
