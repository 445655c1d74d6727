"""Benchmark the answer engine: latency per question and batch throughput.

Measures, on the real knowledge base and on synthetic ones 10x and 100x larger:
- per-question latency p50 / p99 (ms) over a mixed set of questions (known phrasings, typos,
  service questions, off-topic chatter), after a warm-up pass;
- questions per second for a batch of 10,000;
- and once: how long `python -m bot ask` takes to start and answer (wall clock, a fresh process).

Usage: python bench/bench_matcher.py [--quick]
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

from bot.knowledge import Item, KnowledgeBase, load  # noqa: E402
from bot.matcher import Matcher  # noqa: E402

SEED = 20261128
CHATTER = [
    "tell me a joke",
    "what's the weather like in Paris",
    "how much does an m5.large cost",
    "thanks a lot!",
    "who won the football match yesterday",
]


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


def measure(kb: KnowledgeBase, label: str, batch: int, rng: random.Random) -> None:
    """Print index time, per-question p50/p99 and batch throughput for one knowledge base."""
    started = time.perf_counter()
    matcher = Matcher(kb)
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
    work = questions(kb, batch, rng)
    t0 = time.perf_counter()
    for q in work:
        matcher.ask(q)
    qps = batch / (time.perf_counter() - t0)
    print(
        f"{label:>5}  items={len(kb.items):>6}  index={index_ms:8.1f} ms  "
        f"p50={p50:6.3f} ms  p99={p99:6.3f} ms  batch of {batch}: {qps:8.0f} q/s"
    )


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
    print(f"`python -m bot ask` start + answer: best {min(runs) * 1000:.0f} ms of 3")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1x and 10x only, batch of 1,000")
    args = parser.parse_args()
    rng = random.Random(SEED)
    kb = load()
    factors = (1, 10) if args.quick else (1, 10, 100)
    batch = 1000 if args.quick else 10_000
    for factor in factors:
        measure(synthetic(kb, factor, rng), f"{factor}x", batch, rng)
    startup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
