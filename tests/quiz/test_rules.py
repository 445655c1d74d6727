"""Quiz rules and the daily quiz on a real SQLite file, with a controllable clock."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.kb.loader import OWNERS, Item, KnowledgeBase, QuizQuestion, Service
from bot.quiz.daily import DailyQuizzes
from bot.quiz.rules import (
    RECENT_WINDOW,
    PostResult,
    QuizError,
    Review,
    display_order,
    grade,
    next_review,
    pick_daily,
    pick_practice,
    points,
    questions_for,
    resolve_topic,
    streak,
)
from bot.store import Store


def make_kb(n_items: int = 6) -> KnowledgeBase:
    """A small knowledge base: items alternate categories; one service question about S3."""
    items = []
    categories = ("compute", "identity", "storage")
    for i in range(n_items):
        item_id = f"item-{i}"
        owner = OWNERS[i % 3]
        quiz = (
            QuizQuestion(
                id=f"{item_id}#1",
                item_id=item_id,
                question=f"Who owns thing {i}?",
                choices=OWNERS,
                answer=owner,
                explanation=f"Thing {i} belongs to {owner}.",
                service="s3" if i == 2 else None,
            ),
        )
        items.append(
            Item(
                id=item_id,
                title=f"Thing {i}",
                owner=owner,
                category=categories[i % 3],
                explanation="x",
                aliases=(),
                sources=(f"https://docs.aws.amazon.com/thing{i}",),
                quiz=quiz,
            )
        )
    mc = QuizQuestion(
        id="item-0#2",
        item_id="item-0",
        question="Which of these does AWS patch on RDS?",
        choices=("The DB engine", "Your SQL schema", "Your DB users"),
        answer="The DB engine",
        explanation="AWS patches the engine.",
        service=None,
    )
    items[0] = Item(**{**items[0].__dict__, "quiz": (*items[0].quiz, mc)})
    services = (
        Service("s3", "Amazon S3", "abstracted", ("simple storage service",), (), ()),
        Service("rds", "Amazon RDS", "container", ("relational database service",), (), ()),
    )
    return KnowledgeBase(tuple(items), services)


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


# --- pure rules --------------------------------------------------------------------------------


def test_grade_and_points():
    q = make_kb().quiz_questions[0]
    assert grade(q, 0) is True  # item-0 belongs to aws
    assert grade(q, 1) is False
    with pytest.raises(ValueError):
        grade(q, 3)
    assert points(False, timedelta(seconds=1)) == 0
    assert points(True) == 10
    assert points(True, timedelta(minutes=2)) == 15
    assert points(True, timedelta(minutes=20)) == 13
    assert points(True, timedelta(hours=5)) == 10


def test_leitner_steps():
    first = next_review(None, "q", True, T0)
    assert first.box == 2 and first.due_at == T0 + timedelta(days=1)
    up = next_review(first, "q", True, T0)
    assert up.box == 3
    top = next_review(Review("q", 5, T0), "q", True, T0)
    assert top.box == 5
    missed = next_review(up, "q", False, T0)
    assert missed.box == 1 and missed.due_at == T0


def test_spaced_repetition_order():
    questions = [q for q in make_kb().quiz_questions if q.choices == OWNERS]  # 6 questions
    ids = [q.id for q in questions]
    reviews = {
        ids[0]: Review(ids[0], 3, T0 - timedelta(hours=1)),  # due, box 3
        ids[1]: Review(ids[1], 1, T0),  # missed: due now, box 1
        ids[2]: Review(ids[2], 4, T0 + timedelta(days=5)),  # known: later
    }
    rng = random.Random(1)
    assert pick_practice(questions, reviews, [], T0, rng).id == ids[1]  # lowest box first
    assert pick_practice(questions, reviews, [ids[1]], T0, rng).id == ids[0]  # then the other due
    new_pick = pick_practice(questions, reviews, [ids[0], ids[1]], T0, rng).id
    assert new_pick in ids[3:]  # then never-seen questions
    all_seen = {q.id: Review(q.id, 4, T0 + timedelta(days=i + 1)) for i, q in enumerate(questions)}
    assert pick_practice(questions, all_seen, [], T0, rng).id == ids[0]  # soonest due


def test_practice_never_repeats_the_last_few():
    questions = [q for q in make_kb().quiz_questions if q.choices == OWNERS]
    missed = {q.id: Review(q.id, 1, T0) for q in questions}  # everything due
    recent: list[str] = []
    rng = random.Random(3)
    for _ in range(30):
        q = pick_practice(questions, missed, recent, T0, rng)
        assert q.id not in recent[:RECENT_WINDOW]
        recent.insert(0, q.id)


def test_practice_with_a_single_question_still_works():
    q = make_kb().quiz_questions[0]
    assert pick_practice([q], {}, [q.id], T0).id == q.id
    with pytest.raises(QuizError):
        pick_practice([], {}, [], T0)


def test_pick_daily_goes_round_before_repeating():
    questions = list(make_kb().quiz_questions)
    asked: dict[str, int] = {}
    last = None
    rng = random.Random(7)
    seen = []
    for _ in range(len(questions) * 2):
        q = pick_daily(questions, asked, last, rng)
        asked[q.id] = asked.get(q.id, 0) + 1
        last = q.id
        seen.append(q.id)
    n = len(questions)
    assert sorted(seen[:n]) == sorted(q.id for q in questions)
    assert sorted(seen[n:]) == sorted(q.id for q in questions)
    assert seen[n] != seen[n - 1]  # a new round never starts with the question that ended the last


def test_streak_rules():
    def r(closed=True, answered=True, correct=True):
        return PostResult(closed, answered, correct)

    assert streak([r(), r(), r(correct=False), r()]) == 2
    assert streak([r(closed=False, answered=False), r(), r()]) == 2  # today's not answered yet
    assert streak([r(answered=False), r(), r()]) == 0  # missed yesterday's: broken
    assert streak([]) == 0


def test_topics():
    kb = make_kb()
    assert resolve_topic(kb, "").kind == "all"
    assert resolve_topic(kb, "Identity").id == "identity"
    assert resolve_topic(kb, "s3").id == "s3"
    assert resolve_topic(kb, "Simple Storage Service").id == "s3"
    assert resolve_topic(kb, "amazon rds").id == "rds"
    with pytest.raises(QuizError):
        resolve_topic(kb, "cooking")
    identity = questions_for(kb, resolve_topic(kb, "identity"))
    assert {q.item_id for q in identity} == {"item-1", "item-4"}
    assert [q.id for q in questions_for(kb, resolve_topic(kb, "s3"))] == ["item-2#1"]
    assert [q.id for q in questions_for(kb, resolve_topic(kb, "rds"))] == ["item-0#2"]


# --- the daily quiz on a real store -------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0 - timedelta(hours=2))


@pytest.fixture
def store(tmp_path, clock):
    s = Store(tmp_path / "ofin.db", clock=clock)
    yield s
    s.close()


def publish(daily: DailyQuizzes, claimed) -> list:
    return [daily.opened(post, f"ts-{post.id}") for post in claimed]


def test_scheduled_post_is_claimed_once_even_across_restarts(tmp_path, clock):
    path = tmp_path / "ofin.db"
    daily = DailyQuizzes(Store(path, clock=clock), make_kb(), rng=random.Random(1))
    daily.turn_on("C1", "09:00 UTC", default_tz=None, team_id="T1", user_id="U0")
    assert daily.claim_due() == []  # 07:00: not yet
    clock.set(T0 + timedelta(minutes=1))
    first = daily.claim_due()
    assert len(first) == 1 and first[0].slot == "daily:C1:2026-03-02"
    assert daily.claim_due() == []
    # A "restart": a fresh store and DailyQuizzes on the same file, same day.
    again = DailyQuizzes(Store(path, clock=clock), make_kb())
    clock.advance(hours=3)
    assert again.claim_due() == []


def test_two_processes_racing_for_a_slot_post_once(tmp_path, clock):
    path = tmp_path / "ofin.db"
    stores = [Store(path, clock=clock) for _ in range(4)]
    DailyQuizzes(stores[0], make_kb()).turn_on(
        "C1", "09:00 UTC", default_tz=None, team_id=None, user_id=None
    )
    clock.set(T0 + timedelta(minutes=5))
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda s: DailyQuizzes(s, make_kb()).claim_due(), stores))
    assert sum(len(r) for r in results) == 1


def test_catch_up_after_downtime_posts_once_same_day_only(store, clock):
    daily = DailyQuizzes(store, make_kb())
    daily.turn_on("C1", "09:00 Europe/Paris", default_tz=None, team_id=None, user_id=None)
    # Down all Monday morning; back at 15:00 Paris (14:00 UTC): Monday's quiz posts now.
    clock.set(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
    assert [p.slot for p in daily.claim_due()] == ["daily:C1:2026-03-02"]
    # Down from Tuesday 08:00 UTC to Wednesday 07:30 UTC (08:30 Paris): Tuesday's is lost.
    clock.set(datetime(2026, 3, 4, 7, 30, tzinfo=UTC))
    assert daily.claim_due() == []
    clock.set(datetime(2026, 3, 4, 8, 0, tzinfo=UTC))
    assert [p.slot for p in daily.claim_due()] == ["daily:C1:2026-03-04"]


def test_answers_count_once_and_not_after_close(store, clock):
    daily = DailyQuizzes(store, make_kb(), rng=random.Random(2))
    clock.set(T0)
    post = publish(daily, [daily.claim_now("C1", None)])[0]
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
    reveal = daily.reveal_of(store.post(post.id))
    assert (reveal.answered, reveal.correct, reveal.first_correct) == (2, 1, ("U1",))
    assert reveal.share_right == 50
    assert daily.answer(9999, "U1", 0).status == "unknown"


def test_answer_after_deadline_does_not_count_even_before_the_reveal(store, clock):
    daily = DailyQuizzes(store, make_kb(), reveal_hours=2)
    clock.set(T0)
    post = publish(daily, [daily.claim_now("C1", None)])[0]
    assert post.deadline_at == T0 + timedelta(hours=2)
    clock.advance(hours=2, seconds=1)
    assert daily.answer(post.id, "U1", 0).status == "closed"
    assert [p.id for p in daily.due_to_close()] == [post.id]


def test_no_question_repeats_in_a_channel_until_all_were_asked(store, clock):
    kb = make_kb()
    daily = DailyQuizzes(store, kb, rng=random.Random(5))
    n = len(kb.quiz_questions)
    ids = [daily.claim_now("C1", None).question_id for _ in range(n)]
    assert sorted(ids) == sorted(q.id for q in kb.quiz_questions)
    other = daily.claim_now("C2", None).question_id  # another channel has its own round
    assert other in ids


def test_streak_over_a_weekend(store, clock):
    kb = make_kb()
    daily = DailyQuizzes(store, kb, rng=random.Random(9))
    daily.turn_on("C1", "09:00 UTC", default_tz=None, team_id=None, user_id=None)
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


def test_display_order_keeps_owner_choices_and_shuffles_the_others():
    owner_q = QuizQuestion("a#1", "a", "Who?", OWNERS, "aws", "Because.")
    mc_q = QuizQuestion("b#1", "b", "Which?", ("right", "w1", "w2", "w3"), "right", "Because.")
    assert display_order(owner_q, "p1") == [0, 1, 2]
    orders = {tuple(display_order(mc_q, f"p{n}")) for n in range(12)}
    assert all(sorted(o) == [0, 1, 2, 3] for o in orders)
    assert len(orders) > 1 and any(o[0] != 0 for o in orders)
    assert display_order(mc_q, "p1") == display_order(mc_q, "p1")  # stable per key
