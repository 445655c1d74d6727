"""The database file: opening it, WAL, unusable paths, and claims across threads and processes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.store import Store, StoreError, StoreUnavailable


def test_creates_folder_and_uses_wal(tmp_path, clock):
    path = tmp_path / "deep" / "er" / "ofin.db"
    s = Store(path, clock=clock)
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


def test_claim_across_two_store_instances_on_one_file(tmp_path, clock):
    a, b = Store(tmp_path / "x.db", clock=clock), Store(tmp_path / "x.db", clock=clock)
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


@pytest.mark.parametrize("kind", ["a folder", "a text file", "under a file"])
def test_an_unusable_path_raises_store_error_with_the_reason(tmp_path, clock, kind):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database\n" * 100)
    path = {"a folder": tmp_path, "a text file": text_file, "under a file": text_file / "x.db"}
    with pytest.raises(StoreError, match="cannot open the database at"):
        Store(path[kind], clock=clock)
    assert text_file.read_text().startswith("not a database")  # nothing was overwritten


def test_the_store_keeps_the_clock_it_is_given_whatever_the_environment(
    tmp_path, clock, monkeypatch
):
    # The fake-time seam belongs to the composition root (bot.clock.from_env), not the store.
    monkeypatch.setenv("OFIN_FAKE_NOW", "2030-01-01T00:00:00Z")
    store = Store(tmp_path / "ofin.db", clock=clock)
    assert store.clock is clock
    store.claim("k")
    assert store.db["claims"].get("k")["claimed_at"] == "2026-03-02T09:00:00.000000+00:00"
    store.close()


def test_a_deleted_file_refuses_writes_with_one_log_line(tmp_path, clock, caplog):
    store = Store(tmp_path / "ofin.db", clock=clock)
    assert store.problem() is None
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"ofin.db{suffix}").unlink(missing_ok=True)
    for n in range(3):
        with pytest.raises(StoreUnavailable, match="is gone"):
            store.claim(f"k{n}")
    assert "is gone (deleted or moved)" in (store.problem() or "")
    assert sum("is gone" in r.getMessage() for r in caplog.records) == 1


def test_a_replaced_file_refuses_writes(tmp_path, clock):
    store = Store(tmp_path / "ofin.db", clock=clock)
    other = Store(tmp_path / "other.db", clock=clock)
    other.close()
    (tmp_path / "other.db").replace(tmp_path / "ofin.db")
    with pytest.raises(StoreUnavailable, match="was replaced by another file"):
        store.claim("k")


def test_a_healthy_store_probes_without_leaving_a_row(store):
    assert store.problem() is None
    probes = "SELECT COUNT(*) AS n FROM claims WHERE key LIKE 'ofin:probe%'"
    assert store._db.rows(probes) == [{"n": 0}]
