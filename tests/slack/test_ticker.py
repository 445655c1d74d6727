"""The scheduler threads' common loop: it counts every pass, and a failing pass does not stop it."""

from __future__ import annotations

import json
import threading
import time

from prometheus_client import REGISTRY

from bot.slack.serve import make_wsgi
from bot.slack.ticker import Ticker


class Flaky(Ticker):
    thread_name = "ofin-flaky"
    interval = 0.01

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.done = threading.Event()

    def tick(self) -> None:
        self.calls += 1
        if self.calls >= 3:
            self.done.set()
        if self.calls % 2:
            raise RuntimeError("a bad pass")


def test_every_pass_is_counted_even_a_failing_one(caplog):
    ticker = Flaky()
    assert ticker.ticks == 0
    ticker.start()
    try:
        assert ticker.done.wait(5)
        deadline = time.monotonic() + 5
        while ticker.ticks < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        ticker.stop()
    assert ticker.ticks >= 3
    assert "ofin-flaky: tick failed" in caplog.text
    passes = {
        outcome: REGISTRY.get_sample_value(
            "ofin_scheduler_passes_total", {"scheduler": "ofin-flaky", "outcome": outcome}
        )
        for outcome in ("ok", "error")
    }
    assert passes["ok"] and passes["error"]  # a failing pass is counted as such
    last = {"scheduler": "ofin-flaky"}
    assert REGISTRY.get_sample_value("ofin_scheduler_last_success_timestamp_seconds", last)


def test_healthz_ticks_shows_each_scheduler():
    ticker = Flaky()
    ticker.ticks = 4
    schedulers: list[Ticker] = []
    wsgi = make_wsgi(None, "secret", schedulers)  # type: ignore[arg-type]  # no Slack request here
    schedulers.append(ticker)  # filled after the app is made, as `serve` does
    statuses: list[str] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz/ticks"}
    body = b"".join(wsgi(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["200 OK"]
    assert json.loads(body) == {"ofin-flaky": 4}


class Counting(Ticker):
    thread_name = "ofin-counting"
    interval = 0.01

    def __init__(self, leads) -> None:
        super().__init__(leads=leads)
        self.calls = 0

    def tick(self) -> None:
        self.calls += 1


def test_a_worker_that_does_not_lead_counts_its_passes_without_doing_them():
    leading = threading.Event()
    ticker = Counting(leads=leading.is_set)  # another worker holds the lead
    ticker.start()
    try:
        deadline = time.monotonic() + 5
        while ticker.ticks < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ticker.ticks >= 3 and ticker.calls == 0  # alive (for /readyz), but idle
        leading.set()  # the leader died: this worker took the lead over
        while ticker.calls < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ticker.calls >= 1
    finally:
        ticker.stop()
