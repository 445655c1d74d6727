"""Benchmark the training report: 5,000 people x 1 year of daily answers (about 1.2 M rows).

Builds a database with 50 channels of 100 people, a daily quiz every weekday of 2026 in each
channel, and an answer from each person to 95% of the posts (plus some practice), then times
``build_report`` for the whole year, for one quarter and for one channel's quarter (best of 3).
Target: the year's report in under 2 s. ``--write PATH`` also writes the figures as a generated
page of the docs, with the machine, the date and the load (``make bench-report`` writes
docs/report-benchmark.md).

Usage: python bench/bench_report.py [--people 5000] [--db PATH] [--write docs/report-benchmark.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import FakeClock  # noqa: E402
from bot.kb.loader import load  # noqa: E402
from bot.store import Store, ts  # noqa: E402
from bot.training.periods import parse_period  # noqa: E402
from bot.training.report import build_report  # noqa: E402

SEED = 20261201
PER_CHANNEL = 100


def seed(path: Path, people: int, rng: random.Random) -> int:
    """Fill a fresh database at ``path``; return the number of daily answers."""
    kb = load()
    store = Store(path, clock=FakeClock(datetime(2027, 1, 1, tzinfo=UTC)))
    store.close()
    questions = [(q.id, kb.item(q.item_id).category) for q in kb.quiz_questions]
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    channels = [f"C{n:04d}" for n in range(max(1, people // PER_CHANNEL))]
    days = [
        datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(days=d)
        for d in range(365)
        if (datetime(2026, 1, 1) + timedelta(days=d)).weekday() < 5
    ]
    post_id = 0
    posts, answers = [], []
    for c_index, channel in enumerate(channels):
        members = [f"U{c_index:03d}{m:03d}" for m in range(PER_CHANNEL)]
        skill = {u: rng.uniform(0.5, 0.95) for u in members}
        for day in days:
            post_id += 1
            qid, category = rng.choice(questions)
            posts.append(
                (post_id, channel, "T1", "scheduled", f"daily:{channel}:{day:%Y-%m-%d}", qid,
                 qid.split("#")[0], category, "closed", "1.1", ts(day), ts(day),
                 ts(day + timedelta(days=1)), ts(day + timedelta(days=1)), 1)
            )  # fmt: skip
            for user in members:
                if rng.random() < 0.95:
                    right = rng.random() < skill[user]
                    at = day + timedelta(seconds=rng.randint(5, 20000))
                    answers.append(
                        (post_id, "T1", user, channel, qid, category, "aws", int(right),
                         10 if right else 0, 1000, ts(at))
                    )  # fmt: skip
    columns = (
        "id, channel_id, team_id, kind, slot, question_id, item_id, category, status, "
        "message_ts, created_at, posted_at, deadline_at, closed_at, revealed"
    )
    conn.executemany(f"INSERT INTO quiz_posts ({columns}) VALUES ({','.join('?' * 15)})", posts)
    conn.executemany(
        "INSERT INTO answers (post_id, team_id, user_id, channel_id, question_id, category, "
        "choice, correct, points, response_ms, answered_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        answers,
    )
    practice = [
        (f"p{n}", "T1", f"U{rng.randrange(len(channels)):03d}{rng.randrange(PER_CHANNEL):03d}",
         None, q[0], q[0].split("#")[0], q[1], ts(when), ts(when), "aws", rng.randint(0, 1), 0)
        for n in range(people * 5)
        for q in [rng.choice(questions)]
        for when in [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(525000))]
    ]  # fmt: skip
    columns = (
        "id, team_id, user_id, channel_id, question_id, item_id, category, asked_at, answered_at, "
        "choice, correct, points"
    )
    conn.executemany(
        f"INSERT INTO practice_prompts ({columns}) VALUES ({','.join('?' * 12)})", practice
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return len(answers)


def best_of(runs: int, fn) -> float:  # noqa: ANN001 - a callable
    """The fastest of ``runs`` timings of ``fn()``, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--db", type=Path, help="reuse (or create) this database file")
    parser.add_argument("--write", type=Path, help="also write the figures as a docs page")
    args = parser.parse_args()
    load_before = os.getloadavg()
    tmp = tempfile.TemporaryDirectory()
    path = args.db or Path(tmp.name) / "bench.db"
    if not path.exists():
        start = time.perf_counter()
        rows = seed(path, args.people, random.Random(SEED))
        print(f"seeded {rows:,} daily answers in {time.perf_counter() - start:.1f} s")
    kb = load()
    store = Store(path, clock=FakeClock(datetime(2027, 1, 2, tzinfo=UTC)), team="T1")
    total = store.db["answers"].count
    now = store.clock.now()
    cases = [
        ("year 2026, all channels", parse_period("2026", now), None),
        ("2026-Q4, all channels", parse_period("2026-Q4", now), None),
        ("2026-Q4, one channel", parse_period("2026-Q4", now), "C0000"),
    ]
    lines = [f"{total:,} daily answers, {args.people:,} people"]
    print(lines[0])
    for label, period, channel in cases:
        report = build_report(store, kb, period, channel_id=channel)
        seconds = best_of(3, lambda p=period, c=channel: build_report(store, kb, p, channel_id=c))
        lines.append(f"{label:28} {seconds:6.2f} s  ({len(report.people):,} people, "
                     f"{report.answered:,} answers)")  # fmt: skip
        print(lines[-1])
    store.close()
    if args.write:
        args.write.write_text(page(args, lines, load_before), encoding="utf-8")
        print(f"wrote {args.write}")
    return 0


def page(args: argparse.Namespace, lines: list[str], load_before: tuple[float, ...]) -> str:
    """The figures as a generated docs page: where, when, and under how much other load."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    people = "" if args.people == 5000 else f"--people {args.people} "
    return "\n".join(
        [
            "# The training report at scale (generated)",
            "",
            f"Written by `make bench-report` (`python bench/bench_report.py {people}--write "
            f"{args.write}`) on {when}, on {platform.machine()} with {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}. The machine's "
            f"load average: {load_before[0]:.1f} before the run, {os.getloadavg()[0]:.1f} at "
            "its end (other jobs share it). Do not edit: run it again. Why it is this fast: "
            "[operations](operations.md#the-training-report-at-scale).",
            "",
            f"A database of {args.people:,} people in {max(1, args.people // PER_CHANNEL)} "
            "channels answering a daily quiz every "
            "weekday of 2026 (95% of the posts, plus practice); the report's time is the best of "
            "3. Target: the year's report for everyone in under 2 s.",
            "",
            "```text",
            *lines,
            "```",
            "",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
