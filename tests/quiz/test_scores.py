"""Leaderboards and records as use cases, on a real SQLite file."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.quiz.daily import DailyQuizzes
from bot.quiz.scores import leaderboard, period_start, ranked, stats, team_board
from bot.store import PlayerTotals, Store

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


@pytest.fixture
def store(store_target, clock):
    s = Store(store_target, clock=clock)  # on SQLite and on PostgreSQL
    yield s
    s.close()


def play(daily: DailyQuizzes, channel: str, answers: dict[str, bool]) -> None:
    daily.close_open(channel)
    post = daily.opened(daily.claim_now(channel), "ts")
    q = daily.question(post.question_id)
    right = q.choices.index(q.answer)
    for user, ok in answers.items():
        assert daily.answer(post.id, user, right if ok else (right + 1) % len(q.choices)).counted


def test_period_start_in_the_callers_zone():
    assert period_start("week", MONDAY + timedelta(days=2), "UTC") == MONDAY.replace(hour=0)
    assert period_start("month", MONDAY, "UTC") == datetime(2026, 3, 1, tzinfo=UTC)
    assert period_start("all", MONDAY, None) is None
    paris = period_start("week", MONDAY, "Europe/Paris")
    assert paris is not None and paris.utcoffset() == timedelta(hours=1)
    assert period_start("week", MONDAY, "Not/AZone") == MONDAY.replace(hour=0)  # UTC instead


def test_ties_share_a_rank():
    rows = [
        PlayerTotals(u, p, c, 1, MONDAY)
        for u, p, c in [("A", 9, 1), ("B", 5, 1), ("C", 5, 1), ("D", 1, 0)]
    ]
    assert [r.rank for r in ranked(rows)] == [1, 2, 2, 4]


def test_boards_and_stats_from_the_store(store, make_kb):
    kb = make_kb(9)
    daily = DailyQuizzes(store, kb, rng=random.Random(4))
    play(daily, "C1", {"U1": True, "U2": False})
    play(daily, "C2", {"U1": True})
    one = leaderboard(store, "week", "C1", user_id="U2", tz=None)
    assert [r.user_id for r in one.rows] == ["U1", "U2"] and one.caller_id == "U2"
    every = leaderboard(store, "all", None, user_id="U1", tz="UTC")
    assert every.channel_id is None and every.rows[0].answered == 2
    teams = team_board(store, "week", None)
    assert [r.channel_id for r in teams.rows] == ["C2", "C1"]
    record = stats(store, daily, "U1")
    assert (record.answered, record.correct, record.accuracy) == (2, 2, 100)
    assert stats(store, daily, "UNONE").accuracy == 0
