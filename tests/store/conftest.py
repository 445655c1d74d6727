"""A store on a real SQLite file in a temporary folder, with a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from bot.store import Store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def store(tmp_path, clock) -> Iterator[Store]:
    s = Store(tmp_path / "data" / "ofin.db", clock=clock, team="T1")
    yield s
    s.close()
