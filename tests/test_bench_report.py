"""The report benchmark's seeding still fits the schema (a small run, so the bench cannot rot)."""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import FakeClock
from bot.kb.loader import load
from bot.store import Store
from bot.training.periods import parse_period
from bot.training.report import build_report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import bench_report  # noqa: E402


def test_small_bench_database_builds_a_report(tmp_path):
    path = tmp_path / "bench.db"
    rows = bench_report.seed(path, 100, random.Random(1))
    assert 20_000 < rows < 30_000  # 100 people x 261 weekdays x 95%
    store = Store(path, clock=FakeClock(datetime(2027, 1, 2, tzinfo=UTC)), team="T1")
    report = build_report(store, load(), parse_period("2026", store.clock.now()))
    assert len(report.people) == 100
    assert report.answered == rows + 500  # plus 5 practice answers per person
    store.close()
