"""The SQLite store on real files: migrations, claims, feedback, declined questions, forgetting."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.store import Store, StoreError, normalize_question


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def store(tmp_path, clock) -> Store:
    s = Store(tmp_path / "data" / "ofin.db", clock=clock)
    yield s
    s.close()


def test_creates_folder_and_uses_wal(tmp_path):
    path = tmp_path / "deep" / "er" / "ofin.db"
    s = Store(path)
    assert path.exists()
    assert s.db.journal_mode == "wal"
    s.close()


def test_claim_is_true_only_the_first_time(store):
    assert store.claim("event:Ev1") is True
    assert store.claim("event:Ev1") is False
    assert store.claim("event:Ev2") is True


def test_claim_under_concurrency_has_exactly_one_winner(store):
    barrier = threading.Barrier(16)

    def go(_):
        barrier.wait()
        return store.claim("click:same")

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(go, range(16)))
    assert results.count(True) == 1


def test_claim_across_two_store_instances_on_one_file(tmp_path):
    a, b = Store(tmp_path / "x.db"), Store(tmp_path / "x.db")
    assert a.claim("shared-key") is True
    assert b.claim("shared-key") is False
    a.close()
    b.close()


def test_old_claims_are_pruned_and_recent_ones_kept(tmp_path):
    clock = FakeClock(datetime(2026, 11, 1, tzinfo=UTC))
    store = Store(tmp_path / "claims.db", clock=clock)
    store.claim("slack-event:old")
    clock.advance(timedelta(days=8))
    store.claim("slack-event:new")
    assert store.prune_claims() == 1
    assert store.claim("slack-event:new") is False  # a recent claim still guards
    assert store.claim("slack-event:old") is True  # an old one was forgotten


def test_claims_prune_themselves_every_so_often(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.store.db.CLAIMS_PER_PRUNE", 3)
    clock = FakeClock(datetime(2026, 11, 1, tzinfo=UTC))
    store = Store(tmp_path / "claims.db", clock=clock)
    store.claim("a")
    clock.advance(timedelta(days=30))
    store.claim("b")
    store.claim("c")  # the third claim prunes
    keys = [row["key"] for row in store.db.query("SELECT key FROM claims ORDER BY key")]
    assert keys == ["b", "c"]


def test_feedback_latest_vote_wins(store):
    store.record_feedback(user_id="U1", question="who patches ec2?", item_id="os", helpful=True)
    store.record_feedback(user_id="U1", question="who patches ec2?", item_id="os", helpful=False)
    assert store.feedback_for(user_id="U1", question="who patches ec2?", item_id="os") is False
    assert store.feedback_counts("os") == (0, 1)
    store.record_feedback(user_id="U1", question="who patches ec2?", item_id="os", helpful=True)
    assert store.feedback_counts("os") == (1, 0)
    rows = list(store.db.query("SELECT * FROM feedback"))
    assert len(rows) == 1


def test_feedback_without_item_is_one_vote_too(store):
    store.record_feedback(user_id="U1", question="q", item_id=None, helpful=True)
    store.record_feedback(user_id="U1", question="q", item_id=None, helpful=False)
    store.record_feedback(user_id="U2", question="q", item_id=None, helpful=True)
    assert store.feedback_for(user_id="U1", question="q", item_id=None) is False
    assert store.feedback_counts() == (1, 1)


def test_top_declined_counts_and_orders(store, clock):
    for _ in range(3):
        store.record_declined(question="Write me a poem", user_id="U1", channel_id="C1")
        clock.advance(seconds=1)
    store.record_declined(question="write me a   POEM?", user_id="U2", channel_id=None)
    clock.advance(seconds=1)
    store.record_declined(question="what is lunch", user_id=None, channel_id="C2")
    clock.advance(seconds=1)
    store.record_declined(question="who is bob", user_id="U3", channel_id="C2")
    top = store.top_declined()
    assert top[0] == ("write me a   POEM?", 4)  # the latest spelling represents the group
    assert top[1] == ("who is bob", 1)  # ties: most recently asked first
    assert top[2] == ("what is lunch", 1)
    assert store.top_declined(limit=1) == [("write me a   POEM?", 4)]
    assert store.top_declined(limit=0) == []


def test_normalize_question():
    assert normalize_question("  Who   PATCHES ec2?? ") == "who patches ec2"


def test_touch_user_keeps_known_fields(store):
    store.touch_user("U1", team_id="T1", tz="Europe/Paris")
    store.touch_user("U1")
    user = store.user("U1")
    assert user["team_id"] == "T1" and user["tz"] == "Europe/Paris"


def test_forget_user_deletes_only_that_user(store):
    store.record_feedback(user_id="U1", question="q", item_id="a", helpful=True)
    store.record_feedback(user_id="U1", question="q2", item_id="a", helpful=True)
    store.record_feedback(user_id="U2", question="q", item_id="a", helpful=True)
    store.record_declined(question="poem", user_id="U1", channel_id="C1")
    store.record_declined(question="poem", user_id="U2", channel_id="C1")
    store.touch_user("U1")
    assert store.forget_user("U1") == 4
    assert store.forget_user("U1") == 0
    assert store.feedback_counts() == (1, 0)
    assert store.top_declined() == [("poem", 1)]
    assert store.user("U1") is None


@pytest.mark.parametrize("kind", ["a folder", "a text file", "under a file"])
def test_an_unusable_path_raises_store_error_with_the_reason(tmp_path, kind):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database\n" * 100)
    path = {"a folder": tmp_path, "a text file": text_file, "under a file": text_file / "x.db"}
    with pytest.raises(StoreError, match="cannot open the database at"):
        Store(path[kind])
    assert text_file.read_text().startswith("not a database")  # nothing was overwritten


def test_a_declined_question_is_logged_up_to_a_length(store):
    store.record_declined(question="x" * 5000, user_id="U1", channel_id=None)
    [(question, count)] = store.top_declined()
    assert count == 1 and len(question) <= 500


def test_one_open_quiz_per_channel_is_enforced_by_the_database(store, clock):
    def claim(channel: str):
        return store.create_post(
            channel_id=channel,
            team_id=None,
            kind="manual",
            slot=None,
            question_id="q",
            item_id=None,
            category=None,
        )

    first, second, other = claim("C1"), claim("C1"), claim("C2")
    assert store.mark_posted(first.id, message_ts="1.1", deadline_at=clock.now()) == []
    assert store.mark_posted(other.id, message_ts="2.1", deadline_at=clock.now()) == []
    # Opening the second closes the first in the same transaction.
    assert store.mark_posted(second.id, message_ts="1.2", deadline_at=clock.now()) == [first.id]
    assert [p.id for p in store.open_posts("C1")] == [second.id]
    assert store.post(first.id).status == "closed"
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute("UPDATE quiz_posts SET status = 'open' WHERE id = ?", [first.id])


def test_a_repeated_manual_claim_within_the_window_claims_nothing(store, clock):
    def claim(since):
        return store.create_post(
            channel_id="C1",
            team_id=None,
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
