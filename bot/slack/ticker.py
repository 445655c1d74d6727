"""A background thread that calls ``tick()`` every ``interval`` seconds until stopped."""

from __future__ import annotations

import logging
import threading

from bot.store import StoreUnavailable

logger = logging.getLogger(__name__)


class Ticker:
    """Run ``tick()`` on a daemon thread; a failing tick is logged and the next one still runs.

    Subclasses set ``interval`` and ``thread_name`` and implement ``tick()``; ``_stop`` doubles as
    an interruptible sleep for work inside a tick. ``ticks`` counts the passes finished (failed
    ones too): GET /healthz/ticks shows it, so a probe or a test can tell that the thread runs.
    """

    thread_name = "ofin-ticker"
    interval: float

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks = 0

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
        while not self._stop.is_set():
            try:
                self.tick()
            except StoreUnavailable:
                pass  # logged once by the store; the next tick tries again
            except Exception:
                logger.exception("%s: tick failed", self.thread_name)
            self.ticks += 1
            self._stop.wait(self.interval)
