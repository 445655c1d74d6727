"""The word head: a question's framing words read directly, fitted out of fold, shipped."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.answer import fitting
from bot.answer.owner_model import CANDIDATE_FEATURES, QUESTION_SIGNALS, Evidence
from bot.answer.word_head import WORD_HEAD_FILE, WordHead, fit_word_head, load_word_head, terms

# Toy questions: the framing decides, the topic words are spread over every class.
TOPICS = ["backups", "encryption", "logging", "patching", "keys", "retention", "access", "ports"]
FRAMES = {
    "none": "how long does {} last by default",
    "customer": "do we have to turn on {}",
    "aws": "does aws handle {} under the hood",
    "shared": "is {} split between both",
}


def read(text: str) -> tuple[str, ...]:
    """The terms of a question written as one string."""
    return terms(text.split())


def toy(frames: dict[str, str] = FRAMES) -> tuple[list[tuple[str, ...]], list[str]]:
    reads, labels = [], []
    for label, frame in frames.items():
        for topic in TOPICS:
            reads.append(read(frame.format(topic)))
            labels.append(label)
    return reads, labels


def test_terms_are_the_words_and_every_neighbouring_pair_once() -> None:
    assert read("how long does it last") == (
        "how", "long", "does", "it", "last", "how long", "long does", "does it", "it last",
    )  # fmt: skip
    assert read("a a") == ("a", "a a")


def test_the_framing_is_learned_across_topics_it_never_saw_with_it() -> None:
    reads, labels = toy()
    head = fit_word_head(reads, labels)
    unseen = head.probabilities(read("how long does snapshots last by default"))
    assert max(unseen, key=unseen.get) == "none"
    assert sum(unseen.values()) == pytest.approx(1.0)
    asked = head.probabilities(read("do we have to turn on snapshots"))
    assert max(asked, key=asked.get) == "customer"
    assert "turn on" in head.leaning(read("do we have to turn on snapshots"), "customer")


def test_a_term_seen_in_one_question_only_is_not_learned() -> None:
    reads, labels = toy()
    head = fit_word_head(reads + [("zebra",)], labels + ["aws"])
    assert "zebra" not in head.vocabulary
    nothing = head.probabilities(("zebra",))  # nothing known: the classes' prior
    assert nothing == pytest.approx(head.probabilities(()), abs=1e-9)


def test_a_word_head_round_trips(tmp_path) -> None:
    reads, labels = toy()
    head = fit_word_head(reads, labels)
    path = tmp_path / "words.json"
    path.write_text(json.dumps(head.to_json()))
    again = load_word_head(path)
    assert isinstance(again, WordHead)
    assert again.probabilities(reads[3]) == pytest.approx(head.probabilities(reads[3]), abs=1e-3)
    assert load_word_head(tmp_path / "missing.json") is None


def test_the_word_reading_fills_its_own_columns_only() -> None:
    features = np.ones((2, len(CANDIDATE_FEATURES)))
    signals = np.ones(len(QUESTION_SIGNALS))
    evidence = Evidence((0, 1), ("aws", "customer"), features, signals)
    read = evidence.with_words({"aws": 0.1, "customer": 0.7, "shared": 0.1, "none": 0.1})
    column = CANDIDATE_FEATURES.index("words_owner")
    assert read.features[1, column] > read.features[0, column]
    others = [k for k in range(len(CANDIDATE_FEATURES)) if k != column]
    assert np.all(read.features[:, others] == 1.0)
    assert read.signals[QUESTION_SIGNALS.index("words_none")] < 0


def test_out_of_fold_readings_never_learn_from_the_question_read() -> None:
    """A framing only one family uses is unknown to the head that reads that family."""
    reads, labels = toy()
    empty = Evidence((), (), np.zeros((0, len(CANDIDATE_FEATURES))), np.zeros(2))
    samples = [
        fitting.Sample(Evidence(**{**empty.__dict__, "words": r}), label, "toy", f"q{k}")
        for k, (r, label) in enumerate(zip(reads, labels, strict=True))
    ]
    odd = read("quokka quokka question")
    samples += [
        fitting.Sample(Evidence(**{**empty.__dict__, "words": odd}), "shared", "toy", "odd")
        for _ in range(3)
    ]
    readings = fitting.word_readings(samples)
    assert readings[-1]["shared"] < 0.5  # its own copies sat in the same fold: nothing learned
    shipped = fitting.fit_words(samples)
    assert shipped.probabilities(odd)["shared"] > readings[-1]["shared"]


def test_the_shipped_word_head_reads_a_framing() -> None:
    assert WORD_HEAD_FILE.is_file(), "run `python -m bot engine fit`"
    head = load_word_head()
    assert head is not None
    framed = head.probabilities(read("how long is the default retention"))
    assert framed["none"] > head.probabilities(read("who is responsible for"))["none"]
