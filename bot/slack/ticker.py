"""A background thread that calls ``tick()`` every ``interval`` seconds until stopped."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.ops import metrics
from bot.ops.logs import FIELDS
from bot.store import StoreUnavailable
from bot.store.db import background

logger = logging.getLogger(__name__)


class Ticker:
    """Run ``tick()`` on a daemon thread; a failing tick is logged and the next one still runs.

    Subclasses set ``interval`` and ``thread_name`` and implement ``tick()``; ``_stop`` doubles as
    an interruptible sleep for work inside a tick. ``ticks`` counts the passes finished (failed
    ones too): GET /healthz/ticks shows it, so a probe or a test can tell that the thread runs.

    Each pass is counted in ofin_scheduler_passes (and, when it succeeded, sets
    ofin_scheduler_last_success_timestamp_seconds) and logged as one line: at DEBUG when it
    succeeded (a pass every 30 s is not news), with its traceback at ERROR when it failed.
    ``last_pass`` (monotonic seconds) is when the last pass finished, or when the thread started.

    ``leads`` is asked before each pass: where several workers share a PostgreSQL database only
    the one that holds the scheduler lead runs ``tick()`` (``Store.leads_schedules``); the others
    count a pass without doing it (they are not stalled, just not leading), and take over at
    their next pass when the leader dies.
    """

    thread_name = "ofin-ticker"
    interval: float

    def __init__(self, leads: Callable[[], bool] | None = None) -> None:
        self._leads = leads or _always
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks = 0
        self.last_pass = time.monotonic()

    def tick(self) -> object:
        """One pass of the scheduled work."""
        raise NotImplementedError

    def start(self) -> None:
        """Start the background thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Ask the thread to stop after its current tick."""
        self._stop.set()

    def _run(self) -> None:
        self.last_pass = time.monotonic()
        while not self._stop.is_set():
            if leads(self._leads):
                run_pass(self.thread_name, self.tick)
            else:
                count_follower(self.thread_name)
            self.ticks += 1
            self.last_pass = time.monotonic()
            self._stop.wait(self.interval)


def run_pass(name: str, tick: Callable[[], object]) -> str:
    """Run one pass of scheduled work as background work, count it and log it; its outcome.

    A failing pass is logged with its traceback (``ok`` or ``error`` is returned, never raised):
    the next pass still runs. Shared by ``Ticker``'s thread and the scheduler loop of OAuth mode
    (bot/slack/scheduler_loop.py).
    """
    start = time.monotonic()
    fields: dict[str, object] = {"job": name, "outcome": "ok"}
    try:
        with background():  # its statements never take a request's connection
            tick()
    except StoreUnavailable:
        fields["outcome"] = "error"  # logged once by the store; the next pass tries again
    except Exception:
        fields["outcome"] = "error"
        fields["latency_ms"] = round((time.monotonic() - start) * 1000, 1)
        logger.exception("%s: tick failed", name, extra={FIELDS: fields})
    else:
        fields["latency_ms"] = round((time.monotonic() - start) * 1000, 1)
        metrics.SCHEDULER_LAST_SUCCESS.labels(name).set_to_current_time()
        logger.debug("%s: pass done", name, extra={FIELDS: fields})
    metrics.SCHEDULER_PASSES.labels(name, str(fields["outcome"])).inc()
    return str(fields["outcome"])


def leads(ask: Callable[[], bool]) -> bool:
    """Whether this worker leads the schedulers now; False (logged) when asking failed."""
    try:
        return ask()
    except Exception:
        logger.exception("could not tell whether this worker leads the schedulers")
        return False


def count_follower(name: str) -> None:
    """Count a pass a worker that does not lead the schedulers skipped (not stalled)."""
    metrics.SCHEDULER_PASSES.labels(name, "follower").inc()


def _always() -> bool:
    return True
