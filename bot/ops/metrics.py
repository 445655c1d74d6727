"""Prometheus metrics, the ecosystem's way: module-level collectors in prometheus-client's registry.

Every front door serves the same registry (``exposition``): HTTP mode at GET /metrics beside
/slack/events, Socket Mode on its own small listener (OFIN_METRICS_PORT). Label values are
bounded by the code (owners, reasons, pools, Web API method names), never by what people type.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram
from prometheus_client import generate_latest as _generate_latest

# Slack wants an ack within 3 s and an answer soon after: buckets around those.
_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)
_DB_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0)

REQUESTS = Counter(
    "ofin_requests", "Slack requests handled, by surface and outcome.", ["surface", "outcome"]
)
ANSWERS = Counter(
    "ofin_answers",
    "Questions answered or declined, by the owner named (none when declined) and outcome.",
    ["owner", "outcome"],
)
DECLINES = Counter("ofin_declines", "Questions declined, by reason.", ["reason"])
ANSWER_SECONDS = Histogram(
    "ofin_answer_seconds",
    "From a question's arrival to its reply sent, by surface.",
    ["surface"],
    buckets=_LATENCY_BUCKETS,
)
ACK_SECONDS = Histogram(
    "ofin_ack_seconds", "From a request's arrival to its acknowledgement.", buckets=_LATENCY_BUCKETS
)
QUEUE_DEPTH = Gauge("ofin_work_queue_depth", "Jobs waiting for a worker, by pool.", ["pool"])
QUEUE_REJECTIONS = Counter(
    "ofin_work_rejections", "Jobs refused because the pool's queue was full.", ["pool"]
)
SLACK_CALLS = Counter(
    "ofin_slack_api_calls",
    "Slack Web API calls (each attempt), by method and status: ok, Slack's error code, "
    "http_<code> or network.",
    ["method", "status"],
)
SCHEDULER_PASSES = Counter(
    "ofin_scheduler_passes",
    "Scheduler passes finished, by scheduler and outcome.",
    ["scheduler", "outcome"],
)
SCHEDULER_LAST_SUCCESS = Gauge(
    "ofin_scheduler_last_success_timestamp_seconds",
    "When each scheduler last finished a pass without an error (Unix time).",
    ["scheduler"],
)
DB_WRITE_SECONDS = Histogram(
    "ofin_db_write_seconds",
    "Database writes, from taking the write lock (waiting for other processes) to the commit.",
    buckets=_DB_BUCKETS,
)

_METHOD = re.compile(r"^[A-Za-z][A-Za-z0-9._]{0,63}$")
_STATUS = re.compile(r"^[a-z0-9_]{1,64}$")


def slack_call(method: str, status: str) -> None:
    """Count one Web API attempt; odd-looking labels are folded so they cannot grow the series."""
    SLACK_CALLS.labels(
        method if _METHOD.match(method) else "other", status if _STATUS.match(status) else "other"
    ).inc()


@contextmanager
def timed_write() -> Iterator[None]:
    """Observe how long the enclosed database write took (failed ones too)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        DB_WRITE_SECONDS.observe(time.perf_counter() - start)


def exposition() -> tuple[bytes, str]:
    """The whole registry in Prometheus's text format, and its content type."""
    return _generate_latest(REGISTRY), CONTENT_TYPE_LATEST
