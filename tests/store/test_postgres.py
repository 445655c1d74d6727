"""Claims and the scheduler leader on a real PostgreSQL server (started by the test itself)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.clock import SystemClock
from bot.store.pg_schema import apply_schema
from bot.store.postgres import PgClaims, PgLeader, connect
from tests.store.pg_server import pg_server


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    for url in pg_server():
        apply_schema(url)
        yield url


def test_each_claim_is_won_once_across_connections(pg_url: str) -> None:
    clock = SystemClock()
    claims = [PgClaims(pg_url, clock) for _ in range(4)]  # four workers, their connections
    keys = [f"daily:C{n}:2026-12-07" for n in range(50)]

    def race(worker: int) -> list[str]:
        return [k for k in keys if claims[worker % 4].claim(k)]

    with ThreadPoolExecutor(8) as pool:
        won = [k for keys_won in pool.map(race, range(8)) for k in keys_won]
    assert sorted(won) == sorted(keys)  # every key claimed exactly once, by someone
    assert claims[0].claim(keys[0]) is False


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
