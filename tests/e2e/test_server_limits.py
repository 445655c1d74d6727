"""The HTTP server holds against slow clients, oversized requests and bursts of connections.

Nothing here is signed: whoever can reach the port can do it, so each must cost the server a
small, bounded amount of memory, threads and time.
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests

from bot.slack.http_server import READ_SECONDS
from tests.e2e.harness import FakeSlack, OfinProcess, SlackSender
from tests.e2e.test_quiz_daily import rid


def address(bot: OfinProcess) -> tuple[str, int]:
    parts = urlsplit(bot.events_url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def test_fifty_slow_clients_do_not_starve_real_requests(
    ofin: OfinProcess, sender: SlackSender, slack: FakeSlack
):
    stop = threading.Event()
    closed_after: list[float] = []

    def trickle() -> None:
        sock = socket.create_connection(address(ofin), timeout=READ_SECONDS + 10)
        start = time.monotonic()
        try:
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
            while not stop.is_set() and time.monotonic() - start < READ_SECONDS + 5:
                sock.sendall(b"X")  # one byte of a header, now and then: never finishing
                time.sleep(0.5)
        except OSError:
            closed_after.append(time.monotonic() - start)
        finally:
            sock.close()

    threads = [threading.Thread(target=trickle) for _ in range(50)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        took = []
        for _ in range(5):
            start = time.monotonic()
            r = sender.command("help", user_id="UREAL", response_url=slack.response_url(rid()))
            took.append(time.monotonic() - start)
            assert r.status_code == 200
        assert max(took) < 3.0, took
        for t in threads:
            t.join(READ_SECONDS + 10)
    finally:
        stop.set()
    # Each slow client was cut off by the server once its time to send the request was up.
    assert len(closed_after) == 50
    assert all(READ_SECONDS - 1 <= t <= READ_SECONDS + 4 for t in closed_after), closed_after


def proc_status(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def healthz_seconds(bot: OfinProcess) -> float:
    start = time.monotonic()
    assert requests.get(bot.base_url + "/healthz", timeout=15).status_code == 200
    return time.monotonic() - start


@pytest.fixture
def own_bot(ofin_factory) -> OfinProcess:
    """A bot of its own: memory and threads are measured on it."""
    return ofin_factory(OFIN_LOG_LEVEL="WARNING")


def test_a_header_flood_costs_little_memory(own_bot: OfinProcess):
    """Ten connections each send 95 header lines of 60 KB and never finish the request.

    Each line and the count are under http.server's own limits: the old server kept all of it,
    about 30 MB per connection (8 GB at 250 connections), before any signature was checked.
    """
    assert own_bot.proc is not None
    pid = own_bot.proc.pid
    healthz_seconds(own_bot)
    before = proc_status(pid, "VmRSS") / 1024
    flood = b"POST /slack/events HTTP/1.1\r\nHost: x\r\n" + b"".join(
        b"X-Pad-%02d: " % n + b"a" * 60_000 + b"\r\n" for n in range(95)
    )
    answers: list[bytes] = []

    def send() -> None:
        with socket.create_connection(address(own_bot), timeout=15) as sock:
            try:
                sock.sendall(flood)
                answers.append(sock.recv(100))
            except OSError:  # cut off mid-send: the server refused to read on
                answers.append(b"closed")

    threads = [threading.Thread(target=send) for _ in range(10)]
    for t in threads:
        t.start()
    peak = before
    while any(t.is_alive() for t in threads):
        peak = max(peak, proc_status(pid, "VmRSS") / 1024)
        time.sleep(0.05)
    assert healthz_seconds(own_bot) < 1.0
    assert peak - before < 60, f"RSS {before:.0f} MB -> {peak:.0f} MB"
    assert all(a[:12] in (b"HTTP/1.0 431", b"HTTP/1.1 431") or a == b"closed" for a in answers), (
        answers
    )


def test_headers_too_large_in_total_get_431(ofin: OfinProcess):
    with socket.create_connection(address(ofin), timeout=5) as sock:
        sock.sendall(
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-%d: %s\r\n" % (n, b"a" * 1000) for n in range(40))
            + b"\r\n"
        )
        reply = sock.recv(200)
    assert reply[:12] in (b"HTTP/1.0 431", b"HTTP/1.1 431"), reply


def test_pipelined_requests_are_each_answered(ofin: OfinProcess):
    get = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    data = b""
    with socket.create_connection(address(ofin), timeout=5) as sock:
        sock.sendall(get + get + get)
        deadline = time.monotonic() + 5
        while data.count(b"HTTP/1.1 200") < 3 and time.monotonic() < deadline:
            try:
                chunk = sock.recv(4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    assert data.count(b"HTTP/1.1 200") == 3, data


def test_idle_connections_do_not_delay_healthz(own_bot: OfinProcess):
    socks = []
    try:
        for _ in range(700):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(address(own_bot))
            socks.append(s)
        time.sleep(1.0)
        slowest = max(healthz_seconds(own_bot) for _ in range(5))
    finally:
        for s in socks:
            s.close()
    assert slowest < 1.0


def test_slow_clients_cost_no_thread_each(own_bot: OfinProcess):
    assert own_bot.proc is not None
    pid = own_bot.proc.pid
    healthz_seconds(own_bot)
    before = proc_status(pid, "Threads")
    socks = []
    try:
        for _ in range(200):
            s = socket.create_connection(address(own_bot), timeout=5)
            s.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        time.sleep(1.0)
        during = proc_status(pid, "Threads")
        assert healthz_seconds(own_bot) < 1.0
    finally:
        for s in socks:
            s.close()
    assert during - before < 10, (before, during)


def test_an_oversized_body_is_refused_at_once(ofin: OfinProcess):
    sock = socket.create_connection(address(ofin), timeout=5)
    try:
        sock.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 50000000\r\n\r\n"
        )
        reply = sock.recv(200)
    finally:
        sock.close()
    assert reply.startswith(b"HTTP/1.0 413") or reply.startswith(b"HTTP/1.1 413")


def test_a_burst_of_connections_is_queued_not_reset(ofin: OfinProcess):
    def probe(_: int) -> int:
        return requests.get(ofin.base_url + "/healthz", timeout=10).status_code

    with ThreadPoolExecutor(200) as pool:
        codes = list(pool.map(probe, range(600)))
    assert codes.count(200) == 600
