"""`python -m bot engine fit`: fit the owner model on the labelled sets and write its weights."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import yaml

from bot.answer import fitting
from bot.answer.answer import Answer
from bot.answer.matcher import Matcher
from bot.answer.owner_head import HEAD_FILE, NEIGHBOURS_FILE, load_head
from bot.answer.owner_model import WEIGHTS_FILE, Policy
from bot.answer.word_head import WORD_HEAD_FILE
from bot.kb.loader import load_or_exit

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
# Labelled questions the model learns from: every set but heldout_*.yaml (written blind after the
# last engine change and scored once, to measure it). Blind sets become training once scored
# (since v3.4: more real questions helped more than any design choice measured on them).
TRAINING_GLOBS = (
    "matcher_cases*.yaml",
    "blind_*.yaml",
    "dev_shared_*.yaml",
    "multilingual_train.yaml",
    "train_*.yaml",
)


def training_files(data: Path = DATA) -> list[Path]:
    """The labelled sets the model is fitted on, in a stable order."""
    return sorted({path for pattern in TRAINING_GLOBS for path in data.glob(pattern)})


def run_fit(data: Path = DATA, out: Path = WEIGHTS_FILE, head_out: Path = HEAD_FILE) -> int:
    """Collect evidence, cross-validate, choose the policy, fit on everything, write ``out``."""
    files = training_files(data)
    if not files:
        print(f"ofin: no training sets in {data} (fit from a checkout of the repository)")
        return 1
    matcher = Matcher(load_or_exit(), model=False)
    samples: list[fitting.Sample] = []
    for path in files:
        cases = [c for c in yaml.safe_load(path.read_text(encoding="utf-8")) if "q" in c]
        samples += fitting.collect(matcher.evidence, cases, path.name)
    encoder = matcher.encoder
    if encoder is None:
        print("ofin: the embedding model is not installed; the owner model needs it to fit")
        return 1
    # The owner model learns how far to trust the head from readings by heads that never saw
    # the question (nor its translations); the head shipped is fitted on everything.
    aliases = fitting.Phrasings(*matcher.labelled_phrasings())
    readings = fitting.head_readings(samples, encoder, bank=aliases)
    worded = fitting.word_readings(samples)
    samples = [
        replace(s, evidence=s.evidence.with_head(*r).with_words(w))
        for s, r, w in zip(samples, readings, worded, strict=True)
    ]
    outcomes = fitting.cross_validate(samples)
    real = fitting.real_style(samples, outcomes)
    policy = fitting.choose_policy(real)
    model = replace(fitting.fit(samples, policy), calibration=fitting.fit_calibration(outcomes))
    head = fitting.fit_owner_head(samples, encoder, bank=aliases)
    words = fitting.fit_words(samples)
    out.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
    head.save(head_out, head_out.with_name(NEIGHBOURS_FILE.name))
    words_out = head_out.with_name(WORD_HEAD_FILE.name)
    words_out.write_text(json.dumps(words.to_json()) + "\n", encoding="utf-8")
    print(f"fitted on {len(samples)} questions from {len(files)} sets -> {out}, {head_out}")
    print(
        f"policy: answer at p >= {policy.answer_at:.2f} with the opposite owner under "
        f"{policy.opposite_below:.2f} (under {policy.opposite_below_with_stack:.2f} when the asked "
        f"service's stack agrees, p >= {policy.against_stack_at:.2f} when it says the opposite); "
        f"decline at p(none) >= {policy.decline_above:.2f}"
    )
    loose = Policy(0.0, 1.01, 1.01)
    for name, chosen, judged in (
        ("always an owner", loose, outcomes),
        ("with the policy", policy, outcomes),
        ("with the policy, real-style sets", policy, real),
    ):
        figures = fitting.summary(judged, chosen)
        print(
            f"cross-validated, {name}: right {figures['right']:.1f}%, opposite owner "
            f"{figures['opposite']:.1f}%, it depends {figures['depends']:.1f}%, "
            f"declined {figures['declined']:.1f}%"
        )
    print("reliability of the model's own probability (cross-validated): predicted -> observed")
    for predicted, observed, count in fitting.reliability(outcomes, bins=5):
        print(f"  {predicted:.2f} -> {observed:.2f} ({count})")
    # What a person is shown is calibrated; its reliability is measured with a scaling fitted on
    # the other folds' outcomes, each fold in turn.
    chances = fitting.cross_fitted_chances(outcomes, fitting.assign_folds(samples))
    print("reliability of the probability shown (calibrated, cross-fitted): predicted -> observed")
    rows = fitting.reliability(outcomes, bins=5, chances=chances)
    for predicted, observed, count in rows:
        print(f"  {predicted:.2f} -> {observed:.2f} ({count})")
    (data / RELIABILITY_FILE).write_text(
        RELIABILITY_HEADER
        + yaml.safe_dump(
            [
                {"predicted": round(p, 2), "observed": round(o, 2), "questions": n}
                for p, o, n in rows
            ],
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    # The floors are what the engine as shipped answers: the head read back from its files (its
    # voting questions are stored in half precision, which can tip a question near the line).
    shipped = load_head(head.encoder, head_out) or head
    floors = measure_floors(Matcher(matcher.kb, model=model, head=shipped, words=words), data)
    (data / FLOORS_FILE).write_text(
        FLOORS_HEADER + yaml.safe_dump(floors, sort_keys=True), encoding="utf-8"
    )
    for name, figure in sorted(floors.items()):
        print(f"  {name:28} right {figure['right']:5.1f}%  opposite owners {figure['opposite']}")
    return 0


FLOORS_FILE = "engine_floors.yaml"
RELIABILITY_FILE = "engine_reliability.yaml"
RELIABILITY_HEADER = (
    "# Written by `python -m bot engine fit`: cross-validated, per bin of the best owner's\n"
    "# probability, the mean probability, how often that owner was right, and how many questions.\n"
    "# The README's reliability table is checked against this file (tests/test_docs.py).\n"
)
FLOORS_HEADER = (
    "# Written by `python -m bot engine fit`: per set, the share answered right (percent, rounded\n"
    "# down) and the opposite owners named, as measured with the fitted weights. The tests\n"
    "# hold the engine to them (tests/answer/test_matcher.py). heldout_* is never trained on.\n"
)
_OPPOSITE = {("aws", "customer"), ("customer", "aws")}


def _said(answer: Answer) -> str:
    return answer.owner or ("depends" if answer.declined_because == "depends" else "none")


def _figures(pairs: list[tuple[str, str]]) -> dict[str, float | int]:
    right = sum(got == want for got, want in pairs)
    percent = int(1000 * right / max(1, len(pairs))) / 10  # rounded down: a floor
    opposite = sum((want, got) in _OPPOSITE for got, want in pairs)
    return {"right": percent, "opposite": opposite}


def measure_floors(matcher: Matcher, data: Path) -> dict[str, dict[str, float | int]]:
    """Right share and opposite owners on every labelled set, the aliases and the quiz."""
    floors: dict[str, dict[str, float | int]] = {}
    for path in sorted(set(training_files(data)) | set(data.glob("heldout_*.yaml"))):
        cases = [c for c in yaml.safe_load(path.read_text(encoding="utf-8")) if "q" in c]
        floors[path.name] = _figures([(_said(matcher.ask(c["q"])), c["owner"]) for c in cases])
    aliases = []
    for item in matcher.kb.items:
        for alias in item.aliases:
            answer = matcher.ask(alias)
            service = answer.service.id if answer.service else None
            aliases.append((_said(answer), item.owner_for(service)))
    floors["aliases"] = _figures(aliases)
    floors["quiz"] = _figures(
        [
            (_said(matcher.ask(q.question)), q.answer)
            for item in matcher.kb.items
            for q in item.quiz
            if q.is_owner_question
        ]
    )
    return floors
