"""`python -m bot engine fit`: fit the owner model on the labelled sets and write its weights."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from bot.answer import fitting
from bot.answer.matcher import Answer, Matcher
from bot.answer.owner_model import WEIGHTS_FILE, Policy
from bot.kb.loader import load_or_exit

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
# Labelled questions the model learns from. heldout_*.yaml never: it measures the result.
TRAINING_GLOBS = (
    "matcher_cases*.yaml",
    "blind_*.yaml",
    "dev_shared_*.yaml",
    "multilingual_train.yaml",
)


def training_files(data: Path = DATA) -> list[Path]:
    """The labelled sets the model is fitted on, in a stable order."""
    return sorted({path for pattern in TRAINING_GLOBS for path in data.glob(pattern)})


def run_fit(data: Path = DATA, out: Path = WEIGHTS_FILE) -> int:
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
    outcomes = fitting.cross_validate(samples)
    policy = fitting.choose_policy(outcomes)
    model = fitting.fit(samples, policy)
    out.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
    print(f"fitted on {len(samples)} questions from {len(files)} sets -> {out}")
    print(
        f"policy: answer at p >= {policy.answer_at:.2f} with the opposite owner under "
        f"{policy.opposite_below:.2f} (under {policy.opposite_below_with_stack:.2f} when the asked "
        f"service's stack agrees); decline at p(none) >= {policy.decline_above:.2f}"
    )
    loose = Policy(0.0, 1.01, 1.01)
    for name, chosen in (("always an owner", loose), ("with the policy", policy)):
        figures = fitting.summary(outcomes, chosen)
        print(
            f"cross-validated, {name}: right {figures['right']:.1f}%, opposite owner "
            f"{figures['opposite']:.1f}%, it depends {figures['depends']:.1f}%, "
            f"declined {figures['declined']:.1f}%"
        )
    print("reliability (cross-validated): predicted -> observed (count)")
    for predicted, observed, count in fitting.reliability(outcomes, bins=5):
        print(f"  {predicted:.2f} -> {observed:.2f} ({count})")
    floors = measure_floors(Matcher(matcher.kb, model=model), data)
    (data / FLOORS_FILE).write_text(
        FLOORS_HEADER + yaml.safe_dump(floors, sort_keys=True), encoding="utf-8"
    )
    for name, figure in sorted(floors.items()):
        print(f"  {name:28} right {figure['right']:5.1f}%  opposite owners {figure['opposite']}")
    return 0


FLOORS_FILE = "engine_floors.yaml"
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
