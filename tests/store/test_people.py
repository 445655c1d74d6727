"""Users, feedback votes and forgetting a person."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store import UserRow


def test_feedback_latest_vote_wins(store):
    store.people.record_feedback(
        user_id="U1", question="who patches ec2?", item_id="os", helpful=True
    )
    store.people.record_feedback(
        user_id="U1", question="who patches ec2?", item_id="os", helpful=False
    )
    assert (
        store.people.feedback_for(user_id="U1", question="who patches ec2?", item_id="os") is False
    )
    assert store.people.feedback_counts("os") == (0, 1)
    store.people.record_feedback(
        user_id="U1", question="who patches ec2?", item_id="os", helpful=True
    )
    assert store.people.feedback_counts("os") == (1, 0)
    rows = store._db.rows("SELECT * FROM feedback")
    assert len(rows) == 1


def test_feedback_without_item_is_one_vote_too(store):
    store.people.record_feedback(user_id="U1", question="q", item_id=None, helpful=True)
    store.people.record_feedback(user_id="U1", question="q", item_id=None, helpful=False)
    store.people.record_feedback(user_id="U2", question="q", item_id=None, helpful=True)
    assert store.people.feedback_for(user_id="U1", question="q", item_id=None) is False
    assert store.people.feedback_counts() == (1, 1)


def test_touch_user_keeps_known_fields(store, clock):
    store.people.touch_user("U1", tz="Europe/Paris")
    store.people.touch_user("U1")
    clock.advance(hours=1)
    store.people.touch_user("U1")
    assert store.people.user("U1") == UserRow(
        user_id="U1",
        team_id="T1",
        tz="Europe/Paris",
        first_seen=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        last_seen=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
    )


def test_forget_user_deletes_only_that_user(store):
    store.people.record_feedback(user_id="U1", question="q", item_id="a", helpful=True)
    store.people.record_feedback(user_id="U1", question="q2", item_id="a", helpful=True)
    store.people.record_feedback(user_id="U2", question="q", item_id="a", helpful=True)
    store.declined.record_declined(question="poem", user_id="U1", channel_id="C1")
    store.declined.record_declined(question="poem", user_id="U2", channel_id="C1")
    store.people.touch_user("U1")
    assert store.people.forget_user("U1") == 4
    assert store.people.forget_user("U1") == 0
    assert store.people.feedback_counts() == (1, 0)
    assert store.declined.top_declined() == [("poem", 1)]
    assert store.people.user("U1") is None
