"""Claims, write transactions and the scheduler leader on a real PostgreSQL server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.clock import SystemClock
from bot.store.pg_migrate import apply_schema
from bot.store.postgres import PgDb, PgLeader, connect
from tests.store.pg_server import fresh_database


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    url = fresh_database(pg_server_url)
    apply_schema(url)  # already there: a second worker starting finds it
    yield url


def test_each_claim_is_won_once_across_connections(pg_url: str) -> None:
    clock = SystemClock()
    claims = [PgDb(pg_url, clock=clock) for _ in range(4)]  # four workers, their connections
    keys = [f"daily:C{n}:2026-12-07" for n in range(50)]

    def race(worker: int) -> list[str]:
        return [k for k in keys if claims[worker % 4].claim(k)]

    with ThreadPoolExecutor(8) as pool:
        won = [k for keys_won in pool.map(race, range(8)) for k in keys_won]
    assert sorted(won) == sorted(keys)  # every key claimed exactly once, by someone
    assert claims[0].claim(keys[0]) is False
    for db in claims:
        db.close()


def test_one_leader_and_another_takes_over_when_it_dies(pg_url: str) -> None:
    workers = [PgLeader(pg_url, lock=42) for _ in range(3)]
    assert [w.is_leader() for w in workers] == [True, False, False]
    assert [w.is_leader() for w in workers] == [True, False, False]  # it stays the leader
    # The leader's process dies: its session ends (here, the server kills it).
    with connect(pg_url) as admin:
        pids = admin.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 42"
        ).fetchall()
        assert len(pids) == 1
        admin.execute("SELECT pg_terminate_backend(%s)", [pids[0][0]])
    # The server ends the session a moment later; the others ask at each pass until one leads.
    deadline = time.monotonic() + 10
    while not workers[1].is_leader() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [w.is_leader() for w in workers[1:]] == [True, False]  # the next one took over
    assert workers[0].is_leader() is False  # the old leader notices it no longer leads
    for worker in workers:
        worker.resign()


def test_resigning_hands_the_lead_over_at_once(pg_url: str) -> None:
    first, second = PgLeader(pg_url, lock=43), PgLeader(pg_url, lock=43)
    assert first.is_leader() and not second.is_leader()
    first.resign()
    assert second.is_leader()
    second.resign()


def test_a_read_modify_write_runs_once_across_workers(pg_url: str) -> None:
    """`daily now` from many workers at once: the check and the claim cannot interleave."""
    from datetime import timedelta

    from bot.store import Store

    clock = SystemClock()
    stores = [Store(pg_url, clock=clock, team="T1") for _ in range(4)]

    def daily_now(worker: int):
        return stores[worker % 4].posts.create_post(
            channel_id="C1",
            kind="manual",
            slot=None,
            question_id="q",
            item_id=None,
            category=None,
            unless_since=clock.now() - timedelta(minutes=5),
        )

    with ThreadPoolExecutor(8) as pool:
        posted = [p for p in pool.map(daily_now, range(16)) if p is not None]
    assert len(posted) == 1
    for store in stores:
        store.close()


def test_a_lost_connection_says_sorry_once_then_reconnects(pg_url: str, caplog) -> None:
    from bot.store import Store, StoreUnavailable

    store = Store(pg_url, clock=SystemClock(), team="T1")
    store.people.touch_user("U1")
    with connect(pg_url) as admin:  # the server ends the store's session (a restart, a failover)
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid != pg_backend_pid()"
        )
    with pytest.raises(StoreUnavailable, match="cannot take writes"):
        store.people.touch_user("U2")
    assert store.claim("k") is True  # the next statement opens a new connection
    assert store.people.user("U2") is None and store.people.user("U1") is not None
    assert store.problem() is None
    store.close()


def test_a_read_does_not_wait_for_another_threads_open_transaction(pg_url: str) -> None:
    """A worker's threads have connections of their own: a click's read in the request thread
    is not queued behind a write pool thread's transaction (it was, with one connection)."""
    import threading

    from bot.store.postgres import CONNECTIONS

    db = PgDb(pg_url, clock=SystemClock())
    inside, release = threading.Event(), threading.Event()

    def writer() -> None:
        with db.write() as tx:
            tx.execute("INSERT INTO claims (key, claimed_at) VALUES ('held', 'now')")
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert inside.wait(10)
        started = time.monotonic()
        assert db.rows("SELECT COUNT(*) AS n FROM claims WHERE key = 'held'") == [{"n": 0}]
        assert time.monotonic() - started < 2  # not the writer's 10 s
    finally:
        release.set()
        thread.join()
    assert db.rows("SELECT COUNT(*) AS n FROM claims WHERE key = 'held'") == [{"n": 1}]
    with ThreadPoolExecutor(CONNECTIONS * 3) as pool:  # more threads than connections: they wait
        assert sum(pool.map(lambda i: db.claim(f"k{i}"), range(60))) == 60
    with connect(pg_url) as admin:
        (open_,) = admin.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid != pg_backend_pid() AND backend_type = 'client backend'"
        ).fetchone()
    assert open_ <= CONNECTIONS + 1  # the pool, and the leader's own connection at most
    db.close()


def test_the_lead_is_asked_of_the_server_at_most_once_per_recheck(pg_url: str) -> None:
    """Every scheduler thread asks before each pass; the answer is kept for ``recheck`` s."""
    first = PgLeader(pg_url, lock=44, recheck=0.3)
    second = PgLeader(pg_url, lock=44, recheck=0.3)
    assert first.is_leader() and not second.is_leader()
    first.resign()  # free now, but the second's answer is still fresh
    assert second.is_leader() is False
    time.sleep(0.35)
    assert second.is_leader() is True  # asked again: it takes the lead
    second.resign()


def test_background_work_leaves_connections_for_the_requests(pg_url: str) -> None:
    """Schedulers and follow-ups (background) hold at most BACKGROUND_CONNECTIONS at once: with
    all of those taken, a request's read still gets a connection, and more background waits."""
    import threading

    from bot.store.db import background
    from bot.store.postgres import BACKGROUND_CONNECTIONS, CONNECTIONS

    assert 0 < BACKGROUND_CONNECTIONS < CONNECTIONS
    db = PgDb(pg_url, clock=SystemClock())
    took: dict[str, float] = {}

    def scheduler_pass(name: str) -> None:
        began = time.monotonic()
        with background():  # a slow statement: holds its connection for 1.5 s
            db.rows("SELECT 1 AS one FROM pg_sleep(1.5)")
        took[name] = time.monotonic() - began

    passes = [
        threading.Thread(target=scheduler_pass, args=(f"pass {n}",))
        for n in range(BACKGROUND_CONNECTIONS + 1)
    ]
    for thread in passes:
        thread.start()
        time.sleep(0.05)
    time.sleep(0.3)
    started = time.monotonic()
    assert db.rows("SELECT 2 AS two") == [{"two": 2}]  # a request's read: not behind them
    assert time.monotonic() - started < 1.0
    for thread in passes:
        thread.join(10)
    late = took[f"pass {BACKGROUND_CONNECTIONS}"]
    assert late > 2.5  # the one past the cap waited for another's connection
    assert all(took[f"pass {n}"] < 2.5 for n in range(BACKGROUND_CONNECTIONS))
    db.close()
