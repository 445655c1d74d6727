"""Leaderboards, totals and the export read the answers back as typed rows."""

from __future__ import annotations

from datetime import timedelta

from bot.store import ChannelTotals, ExportRow, PlayerTotals, PostOutcome, UserTotals


def open_post(store, clock, channel="C1", question="q1"):
    post = store.posts.create_post(
        channel_id=channel,
        kind="manual",
        slot=None,
        question_id=question,
        item_id=None,
        category="compute",
    )
    store.posts.mark_posted(post.id, message_ts="1.1", deadline_at=clock.now() + timedelta(hours=1))
    return post


def answer(store, post, user, correct, points):
    return store.posts.record_answer(
        post_id=post.id, user_id=user, choice="AWS", correct=correct, points=points, response_ms=900
    )


def test_boards_totals_and_outcomes(store, clock):
    first = open_post(store, clock)
    answer(store, first, "U1", True, 15)
    clock.advance(seconds=1)
    answer(store, first, "U2", False, 0)
    store.posts.close_post(first.id)
    second = open_post(store, clock, question="q2")
    clock.advance(seconds=1)
    answer(store, second, "U1", True, 10)

    first_answer = clock.now() - timedelta(seconds=2)
    assert store.scores.leaderboard("C1") == [
        PlayerTotals("U1", points=25, correct=2, answered=2, first_answer=first_answer),
        PlayerTotals(
            "U2", points=0, correct=0, answered=1, first_answer=first_answer + timedelta(seconds=1)
        ),
    ]
    assert store.scores.leaderboard("C1", since=clock.now() + timedelta(seconds=1)) == []
    assert store.scores.team_board() == [
        ChannelTotals("C1", posts=2, players=2, answers=3, correct=2)
    ]
    assert store.scores.user_totals("U1") == UserTotals(
        daily_answered=2, daily_correct=2, points=25, practice_answered=0, practice_correct=0
    )
    assert store.scores.post_results("U2", "C1") == [
        PostOutcome(second.id, "open", answered=False, correct=False),
        PostOutcome(first.id, "closed", answered=True, correct=False),
    ]
    assert [tuple(c) for c in store.scores.category_results("U2")] == [("compute", 1, 0)]
    assert store.posts.answer_of(first.id, "U2").points == 0
    assert store.posts.answer_of(second.id, "U2") is None


def test_the_export_lists_daily_and_practice_answers_oldest_first(store, clock):
    post = open_post(store, clock)
    answer(store, post, "U1", True, 15)
    clock.advance(seconds=1)
    prompt_id = store.practice.create_prompt(
        user_id="U1", channel_id=None, question_id="q9", item_id=None, category=None
    )
    store.practice.answer_prompt(prompt_id, user_id="U1", choice="You", correct=False, points=0)
    assert list(store.scores.export_answers()) == [
        ExportRow(
            answered_at=clock.now() - timedelta(seconds=1),
            kind="daily",
            user_id="U1",
            channel_id="C1",
            source_id=str(post.id),
            question_id="q1",
            category="compute",
            choice="AWS",
            correct=True,
            points=15,
            response_ms=900,
        ),
        ExportRow(
            answered_at=clock.now(),
            kind="practice",
            user_id="U1",
            channel_id=None,
            source_id=prompt_id,
            question_id="q9",
            category=None,
            choice="You",
            correct=False,
            points=0,
            response_ms=None,
        ),
    ]
