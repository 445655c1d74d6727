"""Daily quiz posts: claims, the one-open-post rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.store.conftest import INTEGRITY_ERRORS


def test_one_open_quiz_per_channel_is_enforced_by_the_database(store, clock):
    def claim(channel: str):
        return store.posts.create_post(
            channel_id=channel,
            kind="manual",
            slot=None,
            question_id="q",
            item_id=None,
            category=None,
        )

    first, second, other = claim("C1"), claim("C1"), claim("C2")
    assert store.posts.mark_posted(first.id, message_ts="1.1", deadline_at=clock.now()) == []
    assert store.posts.mark_posted(other.id, message_ts="2.1", deadline_at=clock.now()) == []
    # Opening the second closes the first in the same transaction.
    assert store.posts.mark_posted(second.id, message_ts="1.2", deadline_at=clock.now()) == [
        first.id
    ]
    assert [p.id for p in store.posts.open_posts("C1")] == [second.id]
    assert store.posts.post(first.id).status == "closed"
    with pytest.raises(INTEGRITY_ERRORS):
        store._db.execute("UPDATE quiz_posts SET status = 'open' WHERE id = ?", [first.id])


def test_a_repeated_manual_claim_within_the_window_claims_nothing(store, clock):
    def claim(since):
        return store.posts.create_post(
            channel_id="C1",
            kind="manual",
            slot=None,
            question_id="q",
            item_id=None,
            category=None,
            unless_since=since,
        )

    assert claim(clock.now() - timedelta(minutes=1)) is not None
    assert claim(clock.now() - timedelta(minutes=1)) is None
    clock.advance(minutes=2)
    assert claim(clock.now() - timedelta(minutes=1)) is not None
