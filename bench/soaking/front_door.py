"""The front door under attack: scenarios that need no signature, for bench/soak.py.

Each scenario talks to a running ``python -m bot serve`` on 127.0.0.1 and reads the server's
memory and thread count from /proc. Every loop is bounded in time, and the header flood stops
early when the server's RSS passes ``RSS_CAP_MB`` (the old server grew past 8 GB on it).

- header flood: ``conns`` connections each send 95 header lines of 60 KB (under http.server's
  per-line and per-count limits), never finishing, and reconnect when cut off; /healthz is
  probed meanwhile; the server's peak RSS, its RSS afterwards and the slowest /healthz;
- idle: ``conns`` connections that send nothing; the slowest /healthz meanwhile;
- slow loris: ``conns`` connections trickling a header a byte every 0.5 s; how many of 20
  signed requests are answered within Slack's 3 s, and the server's thread count;
- pipelining: two requests in one write on one connection: how many answers come back.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable

import requests

RSS_CAP_MB = 3000.0  # stop a flood here: the point is made, and the machine is shared
HEADER_LINE = b": " + b"a" * 60_000 + b"\r\n"
FLOOD_REQUEST = b"POST /slack/events HTTP/1.1\r\nHost: x\r\n" + b"".join(
    b"X-Pad-%02d" % n + HEADER_LINE for n in range(95)
)


def proc_status(pid: int, field: str) -> int:
    """A number from /proc/PID/status (VmRSS in kB, Threads), 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_mb(pid: int) -> float:
    return proc_status(pid, "VmRSS") / 1024


def healthz(base: str, timeout: float = 10.0) -> float:
    """Seconds until GET /healthz answered 200 (inf when it did not within ``timeout``)."""
    start = time.monotonic()
    try:
        ok = requests.get(base + "/healthz", timeout=timeout).status_code == 200
    except requests.RequestException:
        ok = False
    return time.monotonic() - start if ok else float("inf")


class Watch:
    """Sample the server's RSS and threads, and probe /healthz, until stopped."""

    def __init__(self, pid: int, base: str, probe_every: float = 0.5) -> None:
        self.pid, self.base, self.every = pid, base, probe_every
        self.peak_rss = rss_mb(pid)
        self.peak_threads = proc_status(pid, "Threads")
        self.latencies: list[float] = []
        self.stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._sample, daemon=True),
            threading.Thread(target=self._probe, daemon=True),
        ]

    def __enter__(self) -> Watch:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self._threads:
            t.join(15)

    def _sample(self) -> None:
        while not self.stop.wait(0.1):
            self.peak_rss = max(self.peak_rss, rss_mb(self.pid))
            self.peak_threads = max(self.peak_threads, proc_status(self.pid, "Threads"))

    def _probe(self) -> None:
        while not self.stop.wait(self.every):
            self.latencies.append(healthz(self.base, timeout=10.0))

    @property
    def slowest(self) -> float:
        return max(self.latencies, default=float("nan"))


def _hold(host: str, port: int, payload: bytes, until: float, stop: threading.Event) -> None:
    """Connect, send ``payload``, hold the connection; reconnect when cut off; until ``until``."""
    while time.monotonic() < until and not stop.is_set():
        try:
            sock = socket.create_connection((host, port), timeout=5)
        except OSError:
            time.sleep(0.1)
            continue
        try:
            sock.settimeout(max(0.1, until - time.monotonic()))
            sock.sendall(payload)
            while time.monotonic() < until and not stop.is_set():
                if not sock.recv(65536):  # the server answered and/or closed it
                    break
        except OSError:
            pass
        finally:
            sock.close()


def header_flood(pid: int, host: str, port: int, conns: int, seconds: float) -> dict:
    """Flood with never-finished requests of 95 × 60 KB headers; measure RSS and /healthz."""
    base = f"http://{host}:{port}"
    stop = threading.Event()
    until = time.monotonic() + seconds
    before = rss_mb(pid)
    with Watch(pid, base) as watch:
        workers = [
            threading.Thread(target=_hold, args=(host, port, FLOOD_REQUEST, until, stop))
            for _ in range(conns)
        ]
        for w in workers:
            w.start()
        while time.monotonic() < until and watch.peak_rss < RSS_CAP_MB:
            time.sleep(0.1)
        capped = watch.peak_rss >= RSS_CAP_MB
        stop.set()
        for w in workers:
            w.join(30)
    time.sleep(2.0)
    after = rss_mb(pid)
    return {
        "before_mb": before,
        "peak_mb": max(watch.peak_rss, after),
        "after_mb": after,
        "capped": capped,
        "slowest_healthz": watch.slowest,
        "healthz_failed": sum(1 for t in watch.latencies if t == float("inf")),
        "probes": len(watch.latencies),
    }


def idle(pid: int, host: str, port: int, conns: int, seconds: float) -> dict:
    """Open ``conns`` connections that never send a byte; probe /healthz meanwhile."""
    socks: list[socket.socket] = []
    base = f"http://{host}:{port}"
    try:
        with Watch(pid, base) as watch:
            for _ in range(conns):
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex((host, port))
                socks.append(s)
            time.sleep(seconds)
    finally:
        for s in socks:
            s.close()
    return {
        "slowest_healthz": watch.slowest,
        "healthz_failed": sum(1 for t in watch.latencies if t == float("inf")),
        "probes": len(watch.latencies),
        "peak_mb": watch.peak_rss,
        "peak_threads": watch.peak_threads,
    }


def slow_loris(
    pid: int, host: str, port: int, conns: int, legit: Callable[[int], float], seconds: float
) -> dict:
    """``conns`` connections trickle a header byte by byte; time 20 ``legit`` requests meanwhile.

    ``legit(n)`` sends the n-th legitimate request and returns its seconds (inf on failure).
    """
    socks: list[socket.socket] = []
    stop = threading.Event()

    def trickle() -> None:
        for s in socks:
            with contextlib.suppress(OSError):
                s.send(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
        while not stop.wait(0.5):
            for s in socks:
                with contextlib.suppress(OSError):
                    s.send(b"X")

    base = f"http://{host}:{port}"
    took: list[float] = []
    try:
        for _ in range(conns):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex((host, port))
            socks.append(s)
        time.sleep(0.5)
        feeder = threading.Thread(target=trickle, daemon=True)
        with Watch(pid, base, probe_every=5.0) as watch:
            feeder.start()
            time.sleep(1.0)
            end = time.monotonic() + seconds
            for n in range(20):
                took.append(legit(n))
                time.sleep(max(0.0, min(0.5, end - time.monotonic())))
        stop.set()
        feeder.join(5)
    finally:
        for s in socks:
            s.close()
    return {
        "late": sum(1 for t in took if t > 3.0),
        "slowest": max(took),
        "peak_threads": watch.peak_threads,
        "peak_mb": watch.peak_rss,
    }


def pipelined(host: str, port: int, requests_bytes: list[bytes], timeout: float = 5.0) -> int:
    """Send every request in one write on one connection; count the HTTP answers read back."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(b"".join(requests_bytes))
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and data.count(b"HTTP/1.") < len(requests_bytes):
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data.count(b"HTTP/1.")
