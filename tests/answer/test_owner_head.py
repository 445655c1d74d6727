"""The owner head: a question's embedding read directly, fitted out of fold, shipped with ofin."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.answer import fitting
from bot.answer.owner_head import CLASSES, HEAD_FILE, OwnerHead, fit_head, load_head
from bot.answer.owner_model import (
    CANDIDATE_FEATURES,
    QUESTION_SIGNALS,
    Evidence,
    Policy,
)
from bot.answer.semantic import shared_encoder


def clustered(n: int, seed: int = 5) -> tuple[np.ndarray, list[str]]:
    """Unit vectors around one centre per class: a head must learn which is which."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(CLASSES), 16))
    labels = [CLASSES[k % len(CLASSES)] for k in range(n)]
    vectors = np.array([centres[CLASSES.index(x)] + 0.3 * rng.normal(size=16) for x in labels])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), labels


def test_a_fitted_head_reads_the_class_of_unseen_vectors() -> None:
    vectors, labels = clustered(200)
    head = fit_head(vectors[:160], labels[:160], "toy")
    said = [max(p, key=p.get) for p in (head.probabilities(v) for v in vectors[160:])]
    assert sum(s == x for s, x in zip(said, labels[160:], strict=True)) >= 36  # of 40
    assert sum(head.probabilities(vectors[0]).values()) == pytest.approx(1.0)


def test_a_head_round_trips_and_refuses_another_encoder(tmp_path) -> None:
    vectors, labels = clustered(40)
    head = fit_head(vectors, labels, "encoder-a")
    path = tmp_path / "head.json"
    path.write_text(json.dumps(head.to_json()))
    again = load_head("encoder-a", path)
    assert again is not None
    assert again.probabilities(vectors[3]) == pytest.approx(
        head.probabilities(vectors[3]), abs=1e-4
    )
    assert load_head("encoder-b", path) is None  # vectors of another model would be misread


def test_the_head_reading_fills_its_own_columns_only() -> None:
    features = np.ones((2, len(CANDIDATE_FEATURES)))
    signals = np.ones(len(QUESTION_SIGNALS))
    evidence = Evidence((0, 1), ("aws", "customer"), features, signals)
    read = evidence.with_head(
        {"aws": 0.9, "customer": 0.05, "shared": 0.03, "none": 0.02},
        {"aws": 0.2, "customer": 0.7, "shared": 0.05, "none": 0.05},
    )
    whole = CANDIDATE_FEATURES.index("head_owner")
    clause = CANDIDATE_FEATURES.index("head_owner_clause")
    assert read.features[0, whole] > read.features[1, whole]  # the message leans to AWS
    assert read.features[1, clause] > read.features[0, clause]  # its question clause to you
    others = [k for k in range(len(CANDIDATE_FEATURES)) if k not in (whole, clause)]
    assert np.all(read.features[:, others] == 1.0)
    assert read.signals[QUESTION_SIGNALS.index("head_none")] < 0
    assert np.all(evidence.features == 1.0)  # the original evidence is left as it was


def test_folds_keep_a_question_and_its_translations_together() -> None:
    empty = Evidence((), (), np.zeros((0, len(CANDIDATE_FEATURES))), np.zeros(2))
    samples = [fitting.Sample(empty, "aws", "set", family=f"q{k // 8}") for k in range(80)]
    folds = fitting.assign_folds(samples, folds=5)
    for start in range(0, 80, 8):
        assert len(set(folds[start : start + 8])) == 1
    assert len(set(folds)) == 5


def test_a_story_against_the_asked_services_stack_needs_more_to_name_an_owner() -> None:
    policy = Policy(answer_at=0.5, opposite_below=0.3, decline_above=0.9, against_stack_at=0.95)
    leaning = {"aws": 0.9, "customer": 0.08, "shared": 0.02}
    assert policy.decide(leaning, 0.0, stack_owner=None) == "aws"
    assert policy.decide(leaning, 0.0, stack_owner="customer") == "depends"
    assert policy.decide(leaning, 0.0, stack_owner="aws") == "aws"


def test_the_shipped_head_matches_the_installed_encoder() -> None:
    encoder = shared_encoder()
    if encoder is None:
        pytest.skip("the embedding model is not installed")
    assert HEAD_FILE.is_file(), "run `python -m bot engine fit`"
    head = load_head(encoder.fingerprint)
    assert isinstance(head, OwnerHead), "the head was fitted on another encoder: refit"
    vector = encoder.encode(["who patches the hypervisor under our EC2 instances"])[0]
    assert max(head.probabilities(vector), key=head.probabilities(vector).get) == "aws"


def test_close_labelled_questions_outvote_a_broad_lean(tmp_path) -> None:
    """The regression reads the broad lean; the closest labelled questions decide fine cases."""
    vectors, labels = clustered(80)
    head = fit_head(vectors, labels, "toy")
    odd = vectors[0] + 0.05 * vectors[1]  # in the first class's region ...
    odd /= np.linalg.norm(odd)
    relabelled = [CLASSES[(CLASSES.index(labels[0]) + 1) % len(CLASSES)]] * 3
    voting = head.with_neighbours(np.vstack([odd] * 3), relabelled)  # ... but labelled otherwise
    lean = head.probabilities(odd)
    read = voting.probabilities(odd)
    assert read[relabelled[0]] > lean[relabelled[0]] + 0.4
    voting.save(tmp_path / "head.json", tmp_path / "near.npz")
    again = load_head("toy", tmp_path / "head.json", tmp_path / "near.npz")
    assert again is not None and again.neighbours is not None
    assert again.probabilities(odd) == pytest.approx(read, abs=1e-2)


def test_the_vote_favours_labelled_questions_about_the_asked_service() -> None:
    """Alike in meaning (the embedding leaves service names out), told apart by service."""
    vectors, labels = clustered(40)
    head = fit_head(vectors, labels, "toy")
    same = np.vstack([vectors[0]] * 2)
    voting = head.with_neighbours(same, ["shared", "customer"], ["dynamodb", "rds"])
    on_rds = voting.probabilities(vectors[0], "rds")
    on_dynamodb = voting.probabilities(vectors[0], "dynamodb")
    assert on_rds["customer"] > on_rds["shared"]
    assert on_dynamodb["shared"] > on_dynamodb["customer"]
    assert voting.probabilities(vectors[0], None)["shared"] == pytest.approx(
        voting.probabilities(vectors[0], None)["customer"], abs=1e-2
    )  # no service asked: both neighbours count alike (the regression differs a little)
