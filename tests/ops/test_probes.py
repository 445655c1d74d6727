"""Readiness: a scheduler without a finished pass for 3 intervals, or any named problem, is 503."""

from __future__ import annotations

from dataclasses import dataclass

from bot.ops import probes


@dataclass
class Sched:
    thread_name: str
    interval: float
    last_pass: float
    ticks: int = 0


def test_a_scheduler_is_stale_after_three_intervals_and_at_least_a_minute():
    assert probes.stale_scheduler([Sched("ofin-daily", 30, last_pass=1000)], now=1089) is None
    reason = probes.stale_scheduler([Sched("ofin-daily", 30, last_pass=1000)], now=1091)
    assert reason and "ofin-daily" in reason and "3 intervals of 30s" in reason
    # A fast scheduler (tests use 0.2 s) still gets a minute.
    assert probes.stale_scheduler([Sched("fast", 0.2, last_pass=1000)], now=1059) is None


def test_readyz_names_the_first_problem_and_healthz_stays_liveness():
    wrong = probes.answer("/readyz", [], [lambda: None, lambda: "the model is missing"])
    assert wrong is not None and wrong.status.startswith("503")
    assert b"not ready: the model is missing" in wrong.body
    ok = probes.answer("/readyz", [], [lambda: None])
    assert ok is not None and ok.status == "200 OK"
    health = probes.answer("/healthz", [], [lambda: "broken"])
    assert health is not None and health.status == "200 OK"
    assert probes.answer("/nope") is None


def test_metrics_is_prometheus_text():
    reply = probes.answer("/metrics")
    assert reply is not None and reply.content_type.startswith("text/plain")
    assert b"# TYPE ofin_answers_total counter" in reply.body
