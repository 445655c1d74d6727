"""The learned owner model: probabilities from evidence, fitted by likelihood, honest policy."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.answer import fitting
from bot.answer.owner_model import (
    CANDIDATE_FEATURES,
    QUESTION_SIGNALS,
    WEIGHTS_FILE,
    Evidence,
    OwnerModel,
    Policy,
    calibrate,
    load_model,
)


def evidence(owners: tuple[str, ...], strength: list[float], decline: float = 0.0) -> Evidence:
    features = np.zeros((len(owners), len(CANDIDATE_FEATURES)))
    features[:, 0] = strength  # "blended"
    signals = np.zeros(len(QUESTION_SIGNALS))
    signals[0], signals[1] = 1.0, decline
    return Evidence(tuple(range(len(owners))), owners, features, signals)


def toy_samples() -> list[fitting.Sample]:
    """The strongest candidate's owner is right; a question with no strong one is "none"."""
    rng = np.random.default_rng(3)
    samples = []
    for n in range(120):
        owners = tuple(rng.choice(["aws", "customer", "shared"], size=4))
        strength = rng.random(4).tolist()
        if n % 6 == 0:
            samples.append(
                fitting.Sample(evidence(owners, [s * 0.1 for s in strength], 1.0), "none", "toy")
            )
        else:
            best = owners[int(np.argmax(strength))]
            samples.append(fitting.Sample(evidence(owners, strength), best, "toy"))
    return samples


def test_probabilities_sum_to_one_and_follow_the_evidence() -> None:
    model = fitting.fit(toy_samples())
    judgement = model.judge(evidence(("aws", "customer", "aws"), [0.9, 0.1, 0.2]))
    total = sum(judgement.owner_probability.values()) + judgement.decline_probability
    assert total == pytest.approx(1.0)
    assert judgement.best_owner == "aws"
    assert judgement.owner_probability["aws"] > 0.6


def test_candidates_that_disagree_split_the_probability() -> None:
    model = fitting.fit(toy_samples())
    split = model.judge(evidence(("aws", "customer"), [0.8, 0.8]))
    assert abs(split.owner_probability["aws"] - split.owner_probability["customer"]) < 0.05
    policy = Policy(answer_at=0.6, opposite_below=0.2, decline_above=0.9)
    outcome = fitting.Outcome("aws", split.owner_probability, split.decline_probability)
    assert fitting.decide(outcome, policy) == "depends"


def test_cross_validation_scores_no_question_it_learned_from() -> None:
    samples = toy_samples()
    outcomes = fitting.cross_validate(samples, folds=4)
    assert len(outcomes) == len(samples)
    figures = fitting.summary(outcomes, Policy(0.0, 1.01, 1.01))
    assert figures["right"] > 70  # learnable, and learned out of fold


def test_the_policy_keeps_opposite_owners_under_the_cap() -> None:
    outcomes = fitting.cross_validate(toy_samples(), folds=4)
    policy = fitting.choose_policy(outcomes, max_opposite=0.01)
    assert fitting.summary(outcomes, policy)["opposite"] <= 1.0


def test_the_shipped_weights_load_and_round_trip() -> None:
    model = load_model()
    assert model is not None, "run `python -m bot engine fit`"
    again = OwnerModel.from_json(json.loads(json.dumps(model.to_json())))
    assert again.policy == model.policy
    assert np.allclose(again.candidate_weights, model.candidate_weights)
    assert again.calibration == pytest.approx(model.calibration)


def test_weights_for_other_features_are_refused(tmp_path) -> None:
    data = json.loads(WEIGHTS_FILE.read_text())
    data["candidate_features"] = data["candidate_features"][:-1]
    path = tmp_path / "w.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="engine fit"):
        load_model(path)


def overconfident_outcomes() -> list[fitting.Outcome]:
    """A model that says 0.9 where it is right 60% of the time, and 0.99 where it is right 97%."""
    outcomes = []
    for n in range(1000):
        said, right_share = (0.9, 0.6) if n < 500 else (0.99, 0.97)
        right = (n % 100) < 100 * right_share
        label = "aws" if right else "customer"
        chances = {"aws": said, "customer": 1 - said, "shared": 0.0}
        outcomes.append(fitting.Outcome(label, chances, 0.0))
    return outcomes


def test_the_shown_probability_is_calibrated_on_outcomes() -> None:
    outcomes = overconfident_outcomes()
    scaling = fitting.fit_calibration(outcomes)
    assert calibrate(0.9, scaling) == pytest.approx(0.6, abs=0.03)
    assert calibrate(0.99, scaling) == pytest.approx(0.97, abs=0.03)
    assert calibrate(0.9, (1.0, 0.0)) == pytest.approx(0.9)  # weights without one: as said


def test_the_calibrated_reliability_is_measured_on_other_folds() -> None:
    outcomes = overconfident_outcomes()
    chances = fitting.cross_fitted_chances(outcomes, [n % 5 for n in range(len(outcomes))])
    rows = fitting.reliability(outcomes, bins=5, chances=chances)
    assert all(abs(predicted - observed) < 0.05 for predicted, observed, _ in rows)
    raw = fitting.reliability(outcomes, bins=5)
    assert any(abs(predicted - observed) > 0.1 for predicted, observed, _ in raw)
