"""A direct reading of the question: its embedding -> how likely each owner is, or "not ours".

The owner model (bot/answer/owner_model.py) weighs the knowledge items closest to a question. This
head reads the question itself, from its sentence embedding (the multilingual model's, so a
question reads alike in any language), two ways, half and half:

- a multinomial logistic regression, fitted on the labelled questions (the broad lean);
- the labelled questions closest in meaning, their labels weighted by how close they are (the
  fine distinctions a linear reading misses: "who switches on managed updates" is yours even
  though "managed updates" is AWS's word).

Both are fitted by ``python -m bot engine fit``. Its probabilities enter the owner model as
evidence like any other, with a weight fitted on out-of-fold readings, so the model learns how far
to trust it; on its own it never names an owner.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

HEAD_FILE = Path(__file__).with_name("owner_head.json")
NEIGHBOURS_FILE = Path(__file__).with_name("owner_neighbours.npz")
CLASSES = ("aws", "customer", "shared", "none")
_FLOOR = 1e-3  # log-probabilities are floored: one confident head never vetoes the evidence
L2 = 1e-4  # chosen on cross-validation and the validation set F (docs/engine.md)
STEPS = 400
LEARNING_RATE = 0.05
NEIGHBOURS = 10  # labelled questions that vote
SHARPNESS = 0.02  # a neighbour's vote: exp((similarity - best similarity) / SHARPNESS)
# The regression's share of the reading; the neighbours have the rest. 0.35 since v3.14: with
# 5,880 questions, cross-validated on the training sets and checked on 958 then held out,
# 0.5 / 0.35 / 0.2 gave 92.0 / 92.3 / 92.4% right (real-style) and 92.9 / 93.2 / 93.3% held
# out with 7 / 6 / 7 opposite owners (docs/engine.md, v3.14).
LINEAR_SHARE = 0.35
# A neighbour about the service the question asks about is this much closer; one about another
# service this much further (the embedding is taken without service names, so "encryption at
# rest on DynamoDB" and "… on RDS" read alike; the vote must know which service each speaks of).
SAME_SERVICE = 0.02


@dataclass(frozen=True)
class OwnerHead:
    """Weights per class over the embedding's dimensions, and the encoder they were fitted on."""

    weights: np.ndarray  # (dimensions, len(CLASSES))
    bias: np.ndarray  # (len(CLASSES),)
    encoder: str  # the embedding model's fingerprint: other vectors would be read wrongly
    neighbours: np.ndarray | None = None  # (questions, dimensions): labelled questions' vectors
    neighbour_labels: np.ndarray | None = None  # (questions,): each one's class index
    # (questions,): the service each neighbour speaks of, as an index in ``services`` (-1: none)
    neighbour_services: np.ndarray | None = None
    services: tuple[str, ...] = ()
    same_service: float = SAME_SERVICE

    def probabilities(self, vector: np.ndarray, service: str | None = None) -> dict[str, float]:
        """Each class's probability for one question's embedding (``service``: the service it
        asks about, which the vote favours)."""
        query = vector.astype(np.float64)
        logits = query @ self.weights + self.bias
        logits -= logits.max()
        p = np.exp(logits)
        p /= p.sum()
        if self.neighbours is not None and self.neighbour_labels is not None:
            p = LINEAR_SHARE * p + (1 - LINEAR_SHARE) * self._vote(query, service)
        return {name: float(x) for name, x in zip(CLASSES, p, strict=True)}

    def _vote(self, query: np.ndarray, service: str | None) -> np.ndarray:
        assert self.neighbours is not None and self.neighbour_labels is not None
        similarity = self.neighbours @ query.astype(self.neighbours.dtype)
        lean = self._service_lean(service)
        if lean is not None:
            similarity = similarity + lean
        count = min(NEIGHBOURS, len(similarity))
        if count == 0:
            return np.full(len(CLASSES), 1 / len(CLASSES))
        closest = np.argpartition(-similarity, count - 1)[:count]
        close = similarity[closest].astype(np.float64)
        weight = np.exp((close - close.max()) / SHARPNESS)
        vote = np.zeros(len(CLASSES))
        np.add.at(vote, self.neighbour_labels[closest], weight)
        return vote / vote.sum()

    def _service_lean(self, service: str | None) -> np.ndarray | None:
        """What the vote adds to each neighbour's similarity for a question about ``service``:
        ``same_service`` for the neighbours about it, minus that for those about another."""
        if service not in self.services or self.neighbour_services is None:
            return None
        if not self.same_service:
            return None
        leans = self.__dict__.setdefault("_leans", {})  # a frozen dataclass: cached beside it
        if service not in leans:
            asked = self.services.index(service)
            tags = self.neighbour_services
            assert self.neighbours is not None
            closer = (tags == asked).astype(self.neighbours.dtype)
            further = ((tags >= 0) & (tags != asked)).astype(self.neighbours.dtype)
            leans[service] = self.same_service * (closer - further)
        lean: np.ndarray = leans[service]
        return lean

    def with_neighbours(
        self,
        vectors: np.ndarray,
        labels: Sequence[str],
        services: Sequence[str | None] | None = None,
    ) -> OwnerHead:
        """The same head, voting with these labelled questions (and the service each names)."""
        named = sorted({s for s in services or () if s})
        return replace(
            self,
            neighbours=vectors.astype(np.float32),
            neighbour_labels=np.array([CLASSES.index(x) for x in labels], dtype=np.int64),
            neighbour_services=None
            if services is None
            else np.array([named.index(s) if s else -1 for s in services], dtype=np.int64),
            services=tuple(named),
        )

    def save(self, path: Path = HEAD_FILE, neighbours: Path = NEIGHBOURS_FILE) -> None:
        """Write the weights (JSON) and the labelled questions' vectors (compressed numpy)."""
        path.write_text(json.dumps(self.to_json()) + "\n", encoding="utf-8")
        if self.neighbours is not None and self.neighbour_labels is not None:
            with neighbours.open("wb") as handle:
                tags = self.neighbour_services
                np.savez_compressed(
                    handle,
                    vectors=self.neighbours.astype(np.float16),
                    labels=self.neighbour_labels.astype(np.int8),
                    services=(
                        np.full(len(self.neighbour_labels), -1) if tags is None else tags
                    ).astype(np.int16),
                )

    def to_json(self) -> dict:
        """A plain-data form, for owner_head.json."""
        return {
            "classes": list(CLASSES),
            "encoder": self.encoder,
            "weights": np.round(self.weights, 5).tolist(),
            "bias": np.round(self.bias, 5).tolist(),
            "services": list(self.services),
            "same_service": self.same_service,
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
            services=tuple(data.get("services", ())),
            same_service=float(data.get("same_service", 0.0)),
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


def load_head(
    encoder: str, path: Path = HEAD_FILE, neighbours: Path | None = None
) -> OwnerHead | None:
    """The fitted head shipped with ofin (its voting questions beside it), when it was fitted on
    this encoder's vectors."""
    neighbours = neighbours or path.with_name(NEIGHBOURS_FILE.name)
    if not path.is_file():
        return None
    head = OwnerHead.from_json(json.loads(path.read_text()))
    if head.encoder != encoder:
        return None
    if not neighbours.is_file():
        return head
    with np.load(neighbours, allow_pickle=False) as stored:
        return replace(
            head,
            neighbours=stored["vectors"].astype(np.float32),
            neighbour_labels=stored["labels"].astype(np.int64),
            neighbour_services=stored["services"].astype(np.int64)
            if "services" in stored.files
            else None,
        )
