"""Slack's request signature, checked strictly before Bolt sees a request.

Bolt's own check raises on a timestamp that is not a number, and its error handler then runs on
an unverified body; so every HTTP request is checked here first and refused with 401 unless its
timestamp is a plain number of seconds within five minutes of now and its v0 signature matches.
A verified request is remembered until it would be stale anyway, and a repeat is refused: a
replayed command or click must not act twice.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

MAX_AGE_SECONDS = 5 * 60  # Slack's own window
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() would take "١٢٣" and " 1 "
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class RequestVerifier:
    """Verify Slack's v0 signature and refuse replays of a verified request."""

    def __init__(
        self,
        signing_secret: str,
        *,
        clock: Callable[[], float] = time.time,
        max_remembered: int = 100_000,
    ) -> None:
        self._secret = signing_secret.encode()
        self._clock = clock
        self._max_remembered = max_remembered
        self._seen: OrderedDict[tuple[str, str, str], int] = OrderedDict()
        self._lock = threading.Lock()

    def verify(
        self, body: bytes, timestamp: str | None, signature: str | None, retry_num: str = ""
    ) -> bool:
        """True when the request is Slack's, fresh, and not seen before."""
        if not self._secret or not timestamp or not signature:
            return False
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            return False
        sent_at = int(timestamp)
        now = int(self._clock())
        if abs(now - sent_at) > MAX_AGE_SECONDS:
            return False
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return False
        # Slack redelivers an event with X-Slack-Retry-Num set (events are also deduplicated by
        # event_id); commands and clicks are never redelivered, so a repeat of one is a replay.
        return self._first_time((timestamp, signature, retry_num), sent_at, now)

    def _first_time(self, key: tuple[str, str, str], sent_at: int, now: int) -> bool:
        with self._lock:
            while self._seen:
                oldest_key, oldest_sent_at = next(iter(self._seen.items()))
                fresh = now - oldest_sent_at <= MAX_AGE_SECONDS
                if fresh and len(self._seen) < self._max_remembered:
                    break
                del self._seen[oldest_key]
            if key in self._seen:
                return False
            self._seen[key] = sent_at
            return True
