"""The daily quiz on a real SQLite file, with a controllable clock."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.quiz.daily import DailyQuizzes
from bot.store import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


# --- the daily quiz on a real store -------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0 - timedelta(hours=2))


@pytest.fixture
def store(store_target, clock):
    s = Store(store_target, clock=clock)  # on SQLite and on PostgreSQL
    yield s
    s.close()


def publish(daily: DailyQuizzes, claimed) -> list:
    return [daily.opened(post, f"ts-{post.id}") for post in claimed]


def test_scheduled_post_is_claimed_once_even_across_restarts(make_kb, store_target, clock):
    path = store_target
    daily = DailyQuizzes(Store(path, clock=clock), make_kb(), rng=random.Random(1))
    daily.turn_on("C1", "09:00 UTC", default_tz=None, user_id="U0")
    assert daily.claim_due() == []  # 07:00: not yet
    clock.set(T0 + timedelta(minutes=1))
    first = daily.claim_due()
    assert len(first) == 1 and first[0].slot == "daily:C1:2026-03-02"
    assert daily.claim_due() == []
    # A "restart": a fresh store and DailyQuizzes on the same file, same day.
    again = DailyQuizzes(Store(path, clock=clock), make_kb())
    clock.advance(hours=3)
    assert again.claim_due() == []


def test_two_processes_racing_for_a_slot_post_once(make_kb, store_target, clock):
    path = store_target  # four connections to one file, or to one PostgreSQL database
    stores = [Store(path, clock=clock) for _ in range(4)]
    DailyQuizzes(stores[0], make_kb()).turn_on("C1", "09:00 UTC", default_tz=None, user_id=None)
    clock.set(T0 + timedelta(minutes=5))
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda s: DailyQuizzes(s, make_kb()).claim_due(), stores))
    assert sum(len(r) for r in results) == 1


def test_catch_up_after_downtime_posts_once_same_day_only(make_kb, store, clock):
    daily = DailyQuizzes(store, make_kb())
    daily.turn_on("C1", "09:00 Europe/Paris", default_tz=None, user_id=None)
    # Down all Monday morning; back at 15:00 Paris (14:00 UTC): Monday's quiz posts now.
    clock.set(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
    assert [p.slot for p in daily.claim_due()] == ["daily:C1:2026-03-02"]
    # Down from Tuesday 08:00 UTC to Wednesday 07:30 UTC (08:30 Paris): Tuesday's is lost.
    clock.set(datetime(2026, 3, 4, 7, 30, tzinfo=UTC))
    assert daily.claim_due() == []
    clock.set(datetime(2026, 3, 4, 8, 0, tzinfo=UTC))
    assert [p.slot for p in daily.claim_due()] == ["daily:C1:2026-03-04"]


def test_answers_count_once_and_not_after_close(make_kb, store, clock):
    daily = DailyQuizzes(store, make_kb(), rng=random.Random(2))
    clock.set(T0)
    post = publish(daily, [daily.claim_now("C1")])[0]
    question = daily.question(post.question_id)
    right = question.choices.index(question.answer)
    clock.advance(minutes=1)
    first = daily.answer(post.id, "U1", right)
    assert first.status == "counted" and first.correct and first.points == 15
    again = daily.answer(post.id, "U1", (right + 1) % len(question.choices))
    assert again.status == "duplicate" and again.correct  # the first answer stands
    assert daily.answer(post.id, "U2", (right + 1) % len(question.choices)).points == 0
    assert daily.close(post.id) is True
    assert daily.close(post.id) is False  # only one closer reveals
    assert daily.answer(post.id, "U3", right).status == "closed"
    reveal = daily.reveal_of(store.posts.post(post.id))
    assert (reveal.answered, reveal.correct, reveal.first_correct) == (2, 1, ("U1",))
    assert reveal.share_right == 50
    assert daily.answer(9999, "U1", 0).status == "unknown"


def test_answer_after_deadline_does_not_count_even_before_the_reveal(make_kb, store, clock):
    daily = DailyQuizzes(store, make_kb(), reveal_hours=2)
    clock.set(T0)
    post = publish(daily, [daily.claim_now("C1")])[0]
    assert post.deadline_at == T0 + timedelta(hours=2)
    clock.advance(hours=2, seconds=1)
    assert daily.answer(post.id, "U1", 0).status == "closed"
    assert [p.id for p in daily.due_to_close()] == [post.id]


def test_no_question_repeats_in_a_channel_until_all_were_asked(make_kb, store, clock):
    kb = make_kb()
    daily = DailyQuizzes(store, kb, rng=random.Random(5))
    n = len(kb.quiz_questions)
    ids = [daily.claim_now("C1").question_id for _ in range(n)]
    assert sorted(ids) == sorted(q.id for q in kb.quiz_questions)
    other = daily.claim_now("C2").question_id  # another channel has its own round
    assert other in ids


def test_streak_over_a_weekend(make_kb, store, clock):
    kb = make_kb()
    daily = DailyQuizzes(store, kb, rng=random.Random(9))
    daily.turn_on("C1", "09:00 UTC", default_tz=None, user_id=None)
    # Thursday, Friday, then Monday: Saturday and Sunday have no posts.
    for day in (
        datetime(2026, 3, 5, 9, 5, tzinfo=UTC),
        datetime(2026, 3, 6, 9, 5, tzinfo=UTC),
        datetime(2026, 3, 9, 9, 5, tzinfo=UTC),
    ):
        clock.set(day)
        for old in daily.close_open("C1"):
            assert old.status == "closed"
        (post,) = publish(daily, daily.claim_due())
        q = daily.question(post.question_id)
        assert daily.answer(post.id, "U1", q.choices.index(q.answer)).counted
    assert daily.streak("U1", "C1") == 3
    # Tuesday's post: not answered yet, still open -> the streak holds.
    clock.set(datetime(2026, 3, 10, 9, 5, tzinfo=UTC))
    daily.close_open("C1")
    (tuesday,) = publish(daily, daily.claim_due())
    assert daily.streak("U1", "C1") == 3
    # Closed without an answer -> broken.
    daily.close(tuesday.id)
    assert daily.streak("U1", "C1") == 0


def test_status_reports_rule_open_quizzes_and_posts_waiting_for_slack(make_kb, store, clock):
    daily = DailyQuizzes(store, make_kb(), rng=random.Random(1))
    off = daily.status("C1", reveal_hours=None)
    assert off.rule is None and off.next_at is None and off.open == () and off.waiting == ()
    daily.turn_on("C1", "09:00 UTC", default_tz=None, user_id="U0")
    (post,) = publish(daily, [daily.claim_now("C1")])
    daily.answer(post.id, "U1", 0)
    stuck = daily.claim_now("C1", once_within=None)
    store.posts.note_error(stuck.id, "ratelimited")
    status = daily.status("C1", reveal_hours=4)
    assert status.rule is not None and status.next_at == T0  # 07:00 now: today's 09:00 is next
    assert [q.answered for q in status.open] == [1] and status.open[0].deadline_at is not None
    assert status.waiting == ("ratelimited",) and status.reveal_hours == 4


def test_a_post_closed_by_another_worker_takes_no_more_answers_here(
    make_kb, store, store_target, clock
):
    """A worker remembers a posted quiz for grading clicks (QuizPosts.clicked); whether it still
    takes answers is decided by the database each time, so a close elsewhere holds at once."""
    kb = make_kb()
    daily = DailyQuizzes(store, kb, rng=random.Random(2))
    clock.set(T0)
    post = publish(daily, [daily.claim_now("C1")])[0]
    assert daily.answer(post.id, "U1", 0).status == "counted"  # remembered here from now on
    other = Store(store_target, clock=clock)
    try:
        assert DailyQuizzes(other, kb).close(post.id)  # another worker closes it
    finally:
        other.close()
    assert daily.answer(post.id, "U2", 0).status == "closed"
    assert daily.answer(post.id, "U1", 1).status == "duplicate"
    assert daily.answer(post.id, "U3", 0, channel_id="C2").status == "unknown"  # another channel
