"""The digest's chart window on real SQLite: long enough that most rows have answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.training.chart import chart_categories, chart_text
from bot.training.digest_chart import ChartWindow, chart_window, empty_share
from tests.report_seed import CHANNELS, seed

NOW = datetime(2026, 12, 18, 17, tzinfo=UTC)  # a Friday: a quarter of one question a day


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store, _, _ = seed(tmp_path_factory.mktemp("digest-chart") / "ofin.db")
    yield store
    store.close()


def test_one_question_a_day_makes_a_week_too_short_so_the_window_grows(store):
    window = chart_window(store, CHANNELS[0], NOW)
    assert window.weeks > 1  # a week of five daily questions leaves most categories empty
    assert empty_share(window.this, window.last) <= 1 / 3
    text = chart_text(window.this, window.last, window.this_label, window.last_label)
    rows = text.splitlines()[1:]
    assert len(rows) == len(chart_categories(window.this, window.last)) >= 5
    assert sum(": no answers (" in r for r in rows) <= len(rows) // 3  # the newer window's
    assert window.title == (
        f"Accuracy by category, the last {window.weeks} weeks vs the {window.weeks} weeks before"
    )


def test_the_window_is_a_week_when_a_week_has_answers_everywhere():
    full = {c: (5, 3) for c in ("compute", "data", "network")}
    window = ChartWindow(1, full, full)
    assert empty_share(full, full) == 0
    assert (window.this_label, window.last_label) == ("this week", "last week")


def test_no_answers_at_all_falls_back_to_the_longest_window(store):
    window = chart_window(store, "CNOBODY001", NOW)
    assert window.weeks == 12 and window.this == {} and window.last == {}
    assert empty_share({}, {}) == 1.0


def test_a_week_alone_reads_mostly_no_answers_which_is_why_the_window_grows(store):
    from bot.quiz.insight import category_window

    this = category_window(store, CHANNELS[0], NOW - timedelta(weeks=1), NOW)
    last = category_window(store, CHANNELS[0], NOW - timedelta(weeks=2), NOW - timedelta(weeks=1))
    assert empty_share(this, last) > 1 / 3
