"""Liveness, readiness and metrics as plain HTTP answers, for every front door.

``/healthz`` is liveness: the process answers. ``/readyz`` is readiness: 503 and the reason when
the database cannot take writes, the answer engine's model is missing, or a scheduler has not
finished a pass for ``STALE_INTERVALS`` of its intervals (its thread is stuck or dead).
``/healthz/ticks`` shows each scheduler's finished passes; ``/metrics`` is Prometheus's page.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

from bot.ops import metrics

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
TICKS_PATH = "/healthz/ticks"
METRICS_PATH = "/metrics"
PATHS = (HEALTH_PATH, READY_PATH, TICKS_PATH, METRICS_PATH)
STALE_INTERVALS = 3

Problem = Callable[[], "str | None"]


class Scheduler(Protocol):
    """What readiness needs of a scheduler (bot/slack/ticker.py's Ticker; with OAuth installs,
    the scheduler loop's sweeps and each kind of its jobs, bot/slack/scheduler_loop.py)."""

    @property
    def thread_name(self) -> str: ...

    @property
    def interval(self) -> float: ...

    @property
    def ticks(self) -> int: ...

    @property
    def last_pass(self) -> float:
        """time.monotonic() of the last finished pass (or of the start)."""
        ...


class Reply(NamedTuple):
    """An HTTP answer: status line, content type, body."""

    status: str
    content_type: str
    body: bytes


def stale_scheduler(schedulers: Sequence[Scheduler], now: float | None = None) -> str | None:
    """The first scheduler with no finished pass for STALE_INTERVALS intervals, as a reason."""
    now = time.monotonic() if now is None else now
    for s in schedulers:
        # A pass may legitimately take a while (Slack's timeouts): never less than a minute.
        allowed = max(STALE_INTERVALS * s.interval, 60.0)
        if now - s.last_pass > allowed:
            return (
                f"the scheduler {s.thread_name} has not finished a pass for "
                f"{now - s.last_pass:.0f}s ({STALE_INTERVALS} intervals of {s.interval:g}s)"
            )
    return None


def readiness(problems: Sequence[Problem]) -> str | None:
    """The first problem any check names, or None when ready."""
    for check in problems:
        wrong = check()
        if wrong:
            return wrong
    return None


def answer(
    path: str, schedulers: Sequence[Scheduler] = (), problems: Sequence[Problem] = ()
) -> Reply | None:
    """The reply to GET ``path`` when it is one of PATHS, else None."""
    if path == HEALTH_PATH:
        return _text("200 OK", "ok")
    if path == READY_PATH:
        wrong = readiness([*problems, lambda: stale_scheduler(schedulers)])
        if wrong:
            return _text("503 Service Unavailable", f"not ready: {wrong}")
        return _text("200 OK", "ready")
    if path == TICKS_PATH:
        ticks = {s.thread_name: s.ticks for s in schedulers}
        return _text("200 OK", json.dumps(ticks, sort_keys=True))
    if path == METRICS_PATH:
        body, content_type = metrics.exposition()
        return Reply("200 OK", content_type, body)
    return None


def _text(status: str, text: str) -> Reply:
    return Reply(status, "text/plain; charset=utf-8", text.encode() + b"\n")
