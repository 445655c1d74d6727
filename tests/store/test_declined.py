"""Declined questions: logged, folded and counted for curators."""

from __future__ import annotations

from bot.store import normalize_question


def test_top_declined_counts_and_orders(store, clock):
    for _ in range(3):
        store.declined.record_declined(question="Write me a poem", user_id="U1", channel_id="C1")
        clock.advance(seconds=1)
    store.declined.record_declined(question="write me a   POEM?", user_id="U2", channel_id=None)
    clock.advance(seconds=1)
    store.declined.record_declined(question="what is lunch", user_id=None, channel_id="C2")
    clock.advance(seconds=1)
    store.declined.record_declined(question="who is bob", user_id="U3", channel_id="C2")
    top = store.declined.top_declined()
    assert top[0] == ("write me a   POEM?", 4)  # the latest spelling represents the group
    assert top[1] == ("who is bob", 1)  # ties: most recently asked first
    assert top[2] == ("what is lunch", 1)
    assert store.declined.top_declined(limit=1) == [("write me a   POEM?", 4)]
    assert store.declined.top_declined(limit=0) == []


def test_normalize_question():
    assert normalize_question("  Who   PATCHES ec2?? ") == "who patches ec2"


def test_a_declined_question_is_logged_up_to_a_length(store):
    store.declined.record_declined(question="x" * 5000, user_id="U1", channel_id=None)
    [(question, count)] = store.declined.top_declined()
    assert count == 1 and len(question) <= 500
