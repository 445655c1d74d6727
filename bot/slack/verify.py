"""Slack's request signature, checked strictly before Bolt sees a request.

Bolt's own check raises on a timestamp that is not a number, and its error handler then runs on
an unverified body; so every HTTP request is checked here first and refused with 401 unless its
timestamp is a plain number of seconds within five minutes of now and its v0 signature matches.
A verified request is remembered until it would be stale anyway, keyed on what Slack signs (the
timestamp and the signature over the body), never on unsigned headers such as
``X-Slack-Retry-Num``: a repeat is never acted on twice, whatever those say. The server answers a
repeat that says it is Slack's retry with an empty 200 (so Slack stops retrying), any other with
401.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from enum import Enum

MAX_AGE_SECONDS = 5 * 60  # Slack's own window
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() would take "١٢٣" and " 1 "
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class Verdict(Enum):
    """What a request's signature says about it."""

    FRESH = "fresh"  # Slack's, within the window, not seen before: act on it
    REPEAT = "repeat"  # Slack's, but already seen: a retry or a replay, never acted on again
    INVALID = "invalid"  # not Slack's, or stale


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
        self._seen: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, body: bytes, timestamp: str | None, signature: str | None) -> bool:
        """True when the request is Slack's, fresh, and not seen before."""
        return self.check(body, timestamp, signature) is Verdict.FRESH

    def check(self, body: bytes, timestamp: str | None, signature: str | None) -> Verdict:
        """Whether the request is Slack's and fresh, and if so whether it was seen before."""
        if not self._secret or not timestamp or not signature:
            return Verdict.INVALID
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            return Verdict.INVALID
        sent_at = int(timestamp)
        now = int(self._clock())
        if abs(now - sent_at) > MAX_AGE_SECONDS:
            return Verdict.INVALID
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return Verdict.INVALID
        # The signature covers the timestamp and the body, so together they name the request.
        # Slack's retry of an event it re-signs is a new key; the event_id claim drops it
        # (bot/slack/middleware.py).
        first = self._first_time((timestamp, signature), sent_at, now)
        return Verdict.FRESH if first else Verdict.REPEAT

    def _first_time(self, key: tuple[str, str], sent_at: int, now: int) -> bool:
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
