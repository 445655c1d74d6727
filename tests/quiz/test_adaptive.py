"""Adaptive daily questions: recall checks on what the team missed, weak categories first."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.kb.loader import load
from bot.quiz.adaptive import PastPost, pick_adaptive, recall_due
from bot.quiz.daily import DailyQuizzes
from bot.store import Store
from bot.training.periods import parse_period
from bot.training.report import build_report

DAY = datetime(2026, 11, 2, 9, tzinfo=UTC)


def post(qid: str, days_ago: float, answered: int, correct: int) -> PastPost:
    return PastPost(qid, DAY - timedelta(days=days_ago), answered, correct)


def test_recall_due_rules(make_kb):
    questions = {q.id: q for q in make_kb().quiz_questions}
    missed = post("item-1#1", 8, 5, 1)
    assert recall_due([missed, post("item-2#1", 1, 5, 5)], DAY, questions).id == "item-1#1"
    assert recall_due([post("item-1#1", 6, 5, 1)], DAY, questions) is None  # too soon
    assert recall_due([post("item-1#1", 8, 5, 3)], DAY, questions) is None  # most got it
    assert recall_due([post("item-1#1", 8, 2, 0)], DAY, questions) is None  # too few answers
    asked_twice = [missed, post("item-2#1", 3, 5, 5), post("item-1#1", 1, 5, 2)]
    assert recall_due(asked_twice, DAY, questions) is None  # re-asked once already
    after_reask = [
        post("item-3#1", 20, 5, 0),
        post("item-2#1", 12, 5, 5),
        post("item-2#1", 1, 5, 5),
    ]
    assert recall_due(after_reask, DAY, questions) is None  # never two re-asks in a row


def test_weak_categories_come_first_but_the_round_still_covers_everything(make_kb):
    kb = make_kb(12)
    questions = [q for q in kb.quiz_questions if q.is_owner_question]
    categories = {q.id: kb.item(q.item_id).category for q in questions}
    accuracy = {"compute": 0.2, "identity": 0.9, "storage": 0.9}
    rng = random.Random(3)
    firsts = Counter(
        categories[pick_adaptive(questions, categories, {}, None, [], accuracy, DAY, rng).id]
        for _ in range(600)
    )
    assert firsts["compute"] > 2 * firsts["identity"]  # weighted towards the weak category
    asked: Counter = Counter()
    for _ in range(len(questions)):  # one round: every question once, no repeats
        q = pick_adaptive(questions, categories, asked, None, [], accuracy, DAY, rng)
        asked[q.id] += 1
    assert set(asked) == {q.id for q in questions} and set(asked.values()) == {1}


def test_a_missed_question_is_reasked_after_7_days_and_the_report_shows_recall(tmp_path):
    kb = load()
    clock = FakeClock(DAY)
    store = Store(tmp_path / "ofin.db", clock=clock)
    daily = DailyQuizzes(store, kb, rng=random.Random(5))
    posted = []
    for day in range(12):
        clock.set(DAY + timedelta(days=day))
        p = daily.claim_now("CTEAM")
        daily.close_open("CTEAM", keep=p.id)
        daily.opened(p, f"ts-{p.id}")
        posted.append(p.question_id)
        q = daily.question(p.question_id)
        right = q.choices.index(q.answer)
        wrong = (right + 1) % len(q.choices)
        again = p.question_id in posted[:-1]
        for n in range(5):  # day 0: four of five wrong; a re-ask: four of five right
            ok = (n == 0) if day == 0 else (n != 0) if again else True
            clock.set(DAY + timedelta(days=day, minutes=n + 1))
            assert daily.answer(p.id, f"U{n}", right if ok else wrong).counted
    first = posted[0]
    assert posted.count(first) == 2
    assert posted.index(first, 1) == 7  # exactly when 7 days had passed
    report = build_report(store, kb, parse_period("2026-11", clock.now()))
    (recall,) = report.recall
    assert (recall.question_id, recall.days) == (first, 7)
    assert (recall.accuracy_then, recall.accuracy_now) == (20, 80)
    store.close()
