"""The load client: signed requests over plain http.client, in bursts from several processes:
closed loop (each client sends its next request when the last is answered) or paced (open loop:
each request at its scheduled time, answered or not)."""

from __future__ import annotations

import http.client
import multiprocessing
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from soaking.common import BUSY_ACK, DAILY_PREFIX
from soaking.fake import RemoteFake
from tests.e2e.harness import SIGNING_SECRET
from tests.e2e.harness.slack_requests import FORM, block_actions_body, command_body, signed_headers


def post(
    url: str,
    body: bytes,
    timeout: float = 10.0,
    content_type: str = FORM,
    headers: dict[str, str] | None = None,
) -> tuple[int, float]:
    """POST a signed body; (status or 0 on a network error, seconds until the answer).

    http.client rather than requests: the client shares the machine's two cores with the
    server, and a lean client leaves the server the CPU it would have in production.
    ``headers`` replaces the signature headers (a replay sends captured ones).
    """
    parts = urlsplit(url)
    headers = {"Content-Type": content_type, **(headers or signed_headers(SIGNING_SECRET, body))}
    start = time.monotonic()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", parts.path, body, headers)
        response = conn.getresponse()
        text = response.read()
        code = response.status
        if code == 200 and b"very busy" in text:
            code = BUSY_ACK
    except (OSError, http.client.HTTPException):
        code = 0
    finally:
        conn.close()
    return code, time.monotonic() - start


def _burst_part(job: tuple[str, list[bytes], int]) -> list[tuple[int, float]]:
    url, bodies, threads = job
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda b: post(url, b), bodies))


def burst(
    url: str, bodies: list[bytes], clients: int, processes: int = 4
) -> list[tuple[int, float]]:
    """POST every body with ``clients`` connections at once, from several processes.

    One process's 100 threads queue for its one GIL, and that wait would be counted as the
    server's: spread over processes, the client measures the server.
    """
    chunks = [bodies[i::processes] for i in range(processes)]
    jobs = [(url, chunk, max(1, clients // processes)) for chunk in chunks]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(_burst_part, jobs)
    return [result for part in parts for result in part]


def command(url: str, fake: RemoteFake, text: str, user: str, channel: str) -> tuple[int, float]:
    body = command_body(
        text,
        user_id=user,
        channel_id=channel,
        response_url=fake.response_url(f"soak-cmd-{uuid.uuid4().hex[:12]}"),
    )
    return post(url, body)


def click_body(
    fake: RemoteFake,
    post_id: int,
    ts: str,
    user: str,
    channel: str,
    i: int,
    prefix: str = "soak-click-",
) -> bytes:
    return block_actions_body(
        f"{DAILY_PREFIX}{i}",
        f"{post_id}:{i}",
        user_id=user,
        channel_id=channel,
        response_url=fake.response_url(f"{prefix}{uuid.uuid4().hex[:12]}"),
        message_ts=ts,
        is_ephemeral=False,
    )


def _spread_part(job: tuple[list[tuple[str, bytes]], int]) -> list[tuple[int, float]]:
    jobs, threads = job
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda j: post(j[0], j[1], timeout=10), jobs))


def spread(jobs: list[tuple[str, bytes]], clients: int, processes: int = 4) -> list:
    """``burst`` with each body sent to its own URL (the worker it is meant for)."""
    chunks = [jobs[i::processes] for i in range(processes)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(_spread_part, [(c, max(1, clients // processes)) for c in chunks])
    # Back in the jobs' order: chunk i holds jobs i, i + processes, ...
    results: list = [None] * len(jobs)
    for i, part in enumerate(parts):
        results[i::processes] = part
    return results


#: Threads per sending process of ``paced``: enough for every click in flight when the server
#: is slow (250 clicks/s answered in 1 s is 250 at once over 4 processes), so a send waits for
#: its time, not for a free thread; when they are all busy it goes late, and ``paced`` says so.
PACED_THREADS = 96


def _paced_part(
    job: tuple[list[tuple[float, str, bytes]], int],
) -> list[tuple[int, float, float, float]]:
    """Send each (due, url, body) at its due time (time.monotonic(), shared by the processes)."""
    jobs, threads = job

    def send(due: float, url: str, body: bytes) -> tuple[int, float, float, float]:
        sent = time.monotonic()
        code, _ = post(url, body, timeout=10)
        return code, time.monotonic() - due, sent - due, sent

    with ThreadPoolExecutor(threads) as pool:
        futures = []
        for due, url, body in jobs:
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            futures.append(pool.submit(send, due, url, body))
        return [f.result() for f in futures]


def paced(
    jobs: list[tuple[str, bytes]], rate: float, processes: int = 4, lead: float = 1.0
) -> tuple[float, list[tuple[int, float, float, float]]]:
    """Open loop: job i sent at ``start + i / rate`` whether or not earlier ones were answered.

    Returns the start (time.monotonic()) and, per job in order, (status, seconds from its
    scheduled time to its answer, seconds it was sent late, when it was sent). Timed from the
    schedule, not from the send, a stalled server or client shows in the latency instead of
    delaying the clicks that would have waited (no coordinated omission). Several processes,
    each with threads to spare, so that the client is not what holds a click back.
    """
    start = time.monotonic() + lead  # the processes are forked and waiting by then
    timed = [(start + i / rate, url, body) for i, (url, body) in enumerate(jobs)]
    chunks = [timed[i::processes] for i in range(processes)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(_paced_part, [(c, PACED_THREADS) for c in chunks])
    results: list = [None] * len(jobs)
    for i, part in enumerate(parts):
        results[i::processes] = part
    return start, results
