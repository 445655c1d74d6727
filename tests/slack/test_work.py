"""The worker pools behind "ack first, work later", and the users.info cache."""

from __future__ import annotations

import threading

from prometheus_client import REGISTRY

from bot.slack import work
from bot.slack.context import ProfileCache


def sample(name: str, pool: str) -> float:
    return REGISTRY.get_sample_value(name, {"pool": pool}) or 0.0


def test_a_full_pool_refuses_instead_of_queueing_without_bound():
    pool = work.Pool("test", workers=1, queue=1)
    rejected = sample("ofin_work_rejections_total", "test")
    release = threading.Event()
    started = threading.Event()
    first = pool.submit(lambda: (started.set(), release.wait(5)))
    assert started.wait(5)
    second = pool.submit(lambda: "queued")
    assert first is not None and second is not None
    assert sample("ofin_work_queue_depth", "test") == 1  # the second waits for a worker
    assert pool.submit(lambda: "one too many") is None
    assert sample("ofin_work_rejections_total", "test") == rejected + 1
    release.set()
    assert second.result(5) == "queued"
    assert pool.submit(lambda: "room again").result(5) == "room again"
    pool.shutdown()
    assert sample("ofin_work_queue_depth", "test") == 0


class Client:
    def __init__(self) -> None:
        self.calls = 0
        self.fail = False

    def users_info(self, user: str) -> dict:
        self.calls += 1
        if self.fail:
            raise TimeoutError("timed out")
        return {"user": {"id": user, "is_admin": True, "tz": "Europe/Paris"}}


def test_profiles_are_cached_and_failures_retried_later():
    now = [0.0]
    cache = ProfileCache(clock=lambda: now[0])
    client = Client()
    first = cache.get(client, "U1", frozenset())
    assert first.is_admin and first.tz == "Europe/Paris"
    assert cache.get(client, "U1", frozenset()) == first
    assert client.calls == 1
    client.fail = True
    failed = cache.get(client, "U2", frozenset({"U2"}))
    assert failed.is_admin and failed.tz is None  # OFIN_ADMINS still counts
    assert cache.get(client, "U2", frozenset({"U2"})) == failed and client.calls == 2
    now[0] += 61  # a failure is retried after a minute, an answer kept for 15
    client.fail = False
    assert cache.get(client, "U2", frozenset()).tz == "Europe/Paris"
    assert cache.get(client, "U1", frozenset()) == first and client.calls == 3
