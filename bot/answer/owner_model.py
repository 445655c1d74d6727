"""The learned part of the engine: evidence about a question -> a calibrated owner probability.

The matcher gathers evidence for a question's closest knowledge items (``Matcher.evidence``):
how well each matches on words and on meaning, how its services fit the question's, which way
the wording leans. This model turns that evidence into probabilities, with weights fitted on
labelled questions (``python -m bot engine fit``), not set by hand:

- every candidate item gets a score ``w . features``; "none of them" (decline) gets ``v . signals``;
- a softmax over those scores is a probability per candidate and for declining;
- an owner's probability is the sum over the candidates that answer with that owner.

So when the closest items disagree on the owner, the probability is split between owners and no
owner is confidently named: the engine then answers layer by layer, or asks which service.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bot.answer.owner_head import log_chance

WEIGHTS_FILE = Path(__file__).with_name("owner_weights.json")
OWNERS = ("aws", "customer", "shared")
OPPOSITE = {"aws": "customer", "customer": "aws"}

CANDIDATE_FEATURES = (
    "blended",  # the lexical and semantic scores blended, with the wording's lean
    "lexical",  # shared terms (weighted F-measure with rapidfuzz's token-set ratio)
    "semantic",  # cosine similarity of the embeddings (closest phrasing of the item)
    "lexical_clause",  # the same on the question clause of a long message
    "semantic_clause",
    "semantic_gap",  # semantic minus the best item's semantic
    "blended_gap",  # blended minus the best item's blended
    "lexical_gap",
    "service_named",  # the item states an owner for the service the question names
    "service_elsewhere",  # the item speaks of services, none of them the asked one
    "lean_aws",  # wording leans to AWS's layer (+1) or the guest's (-1), times owner is AWS
    "lean_customer",  # the same lean, times owner is the customer
    "whole_shared",  # "as a whole", "in general" and the owner is shared
    "owner_shared",  # the candidate answers "shared"
    "first",  # the best candidate by the blended score
    "stack_agrees",  # its owner is that of the asked service's layer closest to the question
    "stack_margin",  # by how much that layer beats the closest layer of another owner
    "any_stack_agrees",  # its owner is that of the closest layer of any service's stack
    "any_stack_margin",
    "consensus",  # the share of the candidates' weight (by blended score) with its owner
    "second",  # the second candidate by the blended score
    "semantic_first",  # the best candidate by meaning alone
    "lexical_first",  # the best candidate by words alone
    "head_owner",  # the owner head's log-probability of its owner (bot/answer/owner_head.py)
    "head_owner_clause",  # the same, reading the question clause of a long message alone
    "words_owner",  # the word head's log-probability of its owner (bot/answer/word_head.py)
)
QUESTION_SIGNALS = (
    "bias",
    "best_blended",
    "best_lexical",
    "best_semantic",
    "asks_who",
    "topic_size",  # log(1 + number of content terms)
    "names_service",
    "translated",  # the question was typed in another language and read through the glossary
    "no_words_shared",  # no term in common with the knowledge base
    "stack_margin",
    "head_none",  # the owner head's log-probability that the question is not ours to answer
    "head_none_clause",
    "words_none",  # the word head's log-probability that the question is not ours to answer
)


@dataclass(frozen=True)
class Evidence:
    """What the matcher found for one question: candidates, their owners, features, signals."""

    items: tuple[int, ...]  # candidate item indexes, best blended first
    owners: tuple[str, ...]  # each candidate's owner in the question's context
    features: np.ndarray  # (candidates, len(CANDIDATE_FEATURES))
    signals: np.ndarray  # (len(QUESTION_SIGNALS),)
    vector: np.ndarray | None = None  # the question's embedding (the owner head reads it)
    clause_vector: np.ndarray | None = None  # its question clause's (the same when short)
    service: str | None = None  # the service the question asks about (the head's vote favours it)
    words: tuple[str, ...] = ()  # the terms the word head reads (bot/answer/word_head.py)

    def with_head(
        self, whole: dict[str, float], clause: dict[str, float] | None = None
    ) -> Evidence:
        """The same evidence with the owner head's readings of the message and of its question
        clause (fitting gives out-of-fold ones)."""
        clause = whole if clause is None else clause
        features = self.features.copy()
        signals = self.signals.copy()
        for suffix, reading in (("", whole), ("_clause", clause)):
            column = CANDIDATE_FEATURES.index("head_owner" + suffix)
            features[:, column] = [log_chance(reading, owner) for owner in self.owners]
            signals[QUESTION_SIGNALS.index("head_none" + suffix)] = log_chance(reading, "none")
        return replace(self, features=features, signals=signals)

    def with_words(self, reading: dict[str, float]) -> Evidence:
        """The same evidence with the word head's reading (fitting gives out-of-fold ones)."""
        features = self.features.copy()
        signals = self.signals.copy()
        column = CANDIDATE_FEATURES.index("words_owner")
        features[:, column] = [log_chance(reading, owner) for owner in self.owners]
        signals[QUESTION_SIGNALS.index("words_none")] = log_chance(reading, "none")
        return replace(self, features=features, signals=signals)

    @property
    def stack_owner(self) -> str | None:
        """The owner of the asked service's layer closest to the question (None: no service)."""
        column = CANDIDATE_FEATURES.index("stack_agrees")
        for owner, row in zip(self.owners, self.features, strict=True):
            if row[column] > 0:
                return owner
        return None


@dataclass(frozen=True)
class Judgement:
    """The model's reading of the evidence."""

    owner_probability: dict[str, float]  # aws / customer / shared
    decline_probability: float
    item_probability: tuple[float, ...]  # per candidate, in Evidence order

    @property
    def best_owner(self) -> str:
        """The most probable owner."""
        return max(OWNERS, key=lambda o: self.owner_probability[o])

    def best_item_for(self, owner: str, owners: tuple[str, ...]) -> int:
        """Position (in the evidence) of the most probable candidate answering ``owner``."""
        chances = [
            p if o == owner else -1.0 for p, o in zip(self.item_probability, owners, strict=True)
        ]
        return int(np.argmax(chances))


@dataclass(frozen=True)
class Policy:
    """When to name an owner: fitted on cross-validated probabilities (see bot.answer.fitting)."""

    answer_at: float  # the best owner's probability must reach this
    opposite_below: float  # and the opposite owner's must stay under this
    decline_above: float  # decline when "none of them" is at least this probable
    # ... or under this, when the asked service's own stack puts the closest layer with that owner
    opposite_below_with_stack: float = 0.0
    # ... and at least this probable when the asked service's own stack puts the closest layer
    # with the opposite owner (a story leaning one way about a service whose layer says the other)
    against_stack_at: float = 0.0

    def decide(
        self, owner_probability: dict[str, float], decline: float, stack_owner: str | None
    ) -> str:
        """An owner, "none" (decline) or "depends" (layer by layer)."""
        best = max(OWNERS, key=lambda o: owner_probability[o])
        chance = owner_probability[best]
        if decline >= self.decline_above or decline > chance:
            return "none"
        opposite = owner_probability.get(OPPOSITE.get(best, ""), 0.0)
        limit = self.opposite_below
        if stack_owner == best:
            limit = max(limit, self.opposite_below_with_stack)
        needed = self.answer_at
        if stack_owner is not None and OPPOSITE.get(best) == stack_owner:
            needed = max(needed, self.against_stack_at)
        if chance >= needed and opposite < limit:
            return best
        return "depends"


@dataclass(frozen=True)
class OwnerModel:
    """Weights for candidates and for declining, and the answering policy."""

    candidate_weights: np.ndarray
    decline_weights: np.ndarray
    mean: np.ndarray  # feature standardisation, fitted with the weights
    scale: np.ndarray
    signal_mean: np.ndarray
    signal_scale: np.ndarray
    policy: Policy
    # Platt scaling of the best owner's probability (fitted on cross-validated outcomes): what a
    # person is shown. The policy decides on the model's own probabilities, which it was chosen on.
    calibration: tuple[float, float] = (1.0, 0.0)

    def calibrated(self, probability: float) -> float:
        """The chance, as measured out of fold, that an owner given ``probability`` is right."""
        return calibrate(probability, self.calibration)

    def judge(self, evidence: Evidence) -> Judgement:
        """Probabilities per owner and for declining."""
        features = (evidence.features - self.mean) / self.scale
        signals = (evidence.signals - self.signal_mean) / self.signal_scale
        logits = np.concatenate(
            ([signals @ self.decline_weights], features @ self.candidate_weights)
        )
        logits -= logits.max()
        p = np.exp(logits)
        p /= p.sum()
        by_owner = dict.fromkeys(OWNERS, 0.0)
        for owner, probability in zip(evidence.owners, p[1:], strict=True):
            by_owner[owner] += float(probability)
        return Judgement(by_owner, float(p[0]), tuple(float(x) for x in p[1:]))

    def to_json(self) -> dict:
        """A plain-data form, for owner_weights.json."""
        return {
            "candidate_features": list(CANDIDATE_FEATURES),
            "question_signals": list(QUESTION_SIGNALS),
            "candidate_weights": self.candidate_weights.tolist(),
            "decline_weights": self.decline_weights.tolist(),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "signal_mean": self.signal_mean.tolist(),
            "signal_scale": self.signal_scale.tolist(),
            "policy": {
                "answer_at": self.policy.answer_at,
                "opposite_below": self.policy.opposite_below,
                "decline_above": self.policy.decline_above,
                "opposite_below_with_stack": self.policy.opposite_below_with_stack,
                "against_stack_at": self.policy.against_stack_at,
            },
            "calibration": list(self.calibration),
        }

    @classmethod
    def from_json(cls, data: dict) -> OwnerModel:
        """Read the plain-data form; refuse weights fitted on other features."""
        if (
            tuple(data["candidate_features"]) != CANDIDATE_FEATURES
            or tuple(data["question_signals"]) != QUESTION_SIGNALS
        ):
            raise ValueError("owner weights were fitted on other features: run `bot engine fit`")

        def array(key: str) -> np.ndarray:
            return np.array(data[key], dtype=np.float64)

        return cls(
            candidate_weights=array("candidate_weights"),
            decline_weights=array("decline_weights"),
            mean=array("mean"),
            scale=array("scale"),
            signal_mean=array("signal_mean"),
            signal_scale=array("signal_scale"),
            policy=Policy(**data["policy"]),
            calibration=_pair(data.get("calibration", (1.0, 0.0))),
        )


def _pair(values: list[float] | tuple[float, float]) -> tuple[float, float]:
    slope, intercept = values
    return float(slope), float(intercept)


def calibrate(probability: float, calibration: tuple[float, float]) -> float:
    """Platt scaling: sigmoid(slope * logit(probability) + intercept)."""
    slope, intercept = calibration
    clipped = min(max(probability, 1e-6), 1 - 1e-6)
    logit = math.log(clipped / (1 - clipped))
    return 1.0 / (1.0 + math.exp(-(slope * logit + intercept)))


def load_model(path: Path = WEIGHTS_FILE) -> OwnerModel | None:
    """The fitted model shipped with ofin, or None before the first fit."""
    if not path.is_file():
        return None
    return OwnerModel.from_json(json.loads(path.read_text()))
