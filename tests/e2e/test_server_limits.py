"""The HTTP server holds against slow clients, oversized requests and bursts of connections."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

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
