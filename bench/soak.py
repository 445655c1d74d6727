"""`make soak`: the load and fault suite, against the production server, printed as one table.

Every scenario runs ``python -m bot serve`` (the Procfile's web process) as a subprocess on
127.0.0.1, pointed at the Slack stand-in of the end-to-end tests, and talks to it over real HTTP
with requests signed as Slack signs them:

- load: 1,000 clicks (500 people, each clicking twice) at 100 concurrent clients on one daily
  quiz: every status, the answers stored, the final live count, ack p50/p99;
- the same with the write made in the request thread ("inline"), and both while another process
  holds the database's write lock: why clicks are written in a pool of their own;
- kill -9 in the middle of click bursts, 10 times: acknowledged answers lost, answers doubled;
- 10,000 fuzzed slash commands: statuses, replies, exceptions in the server's log;
- 50 slow clients trickling headers: how fast legitimate requests are still answered;
- the front door (bench/front_door.py): header floods at 100 and 250 connections, 2,000 idle
  connections, 600 slow-loris connections, pipelining; ``--code DIR`` runs any scenario against
  another checkout (the "before" of a change), ``--only front-door`` runs these alone;
- users.info taking 5 s: how fast every click is still acknowledged;
- signed attacks: a command replayed with every X-Slack-Retry-Num variant, 2,000 fuzzed clicks,
  hostile templates by DM one and three at a time, the database deleted or made immutable under
  the running bot (``--only attacks`` runs these alone);
- ``--only postgres`` (``make soak-postgres``): three ``serve`` workers on one throwaway
  PostgreSQL (tests/store/pg_server.py), 50 workspaces installed by OAuth across them, 5,000
  clicks from 2,500 people spread over the workers, then as many again with the scheduler's
  leader killed (SIGKILL) a third of the way in: answers exact (none lost, none doubled), ack
  p50/p99. Its table goes in a section of its own of the page, which ``make soak`` keeps.

The server runs on a core of its own (the last one), the client and the stand-in on the others,
as in production where Slack is elsewhere. Traffic goes only to 127.0.0.1; every loop is bounded
in count and time.

``--write PATH`` also writes the table as a generated page of the docs, with the machine, the
date and the load from other jobs (``make soak`` writes docs/soak.md), so no figure is retyped.

Usage: python bench/soak.py [--quick] [--only front-door|attacks|workspaces|postgres] [--code DIR]
                            [--write docs/soak.md]
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import multiprocessing
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import front_door
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import (  # noqa: E402
    SIGNING_SECRET,
    FakeSlack,
    OfinProcess,
    db_rows,
    hostile,
)
from tests.e2e.harness.fuzz import fuzzed_clicks  # noqa: E402
from tests.e2e.harness.slack_requests import (  # noqa: E402
    FORM,
    JSON,
    block_actions_body,
    command_body,
    event_body,
    signed_headers,
)

ADMIN = "UADMIN"
DAILY_PREFIX = "ofin_daily_answer_"
INLINE = (
    "-c",
    "import bot.slack.work as w; w.INLINE_WRITES = True; from bot.cli import cli; cli()",
)
SEED = 20261201
BUSY_ACK = 1200  # a 200 whose body says ofin is too busy (its queues are full): counted apart
ROWS: list[tuple[str, str, str]] = []  # (scenario, measured, target)
CORES = sorted(os.sched_getaffinity(0))
# The server gets a core of its own, as in production where Slack (the client and the Web API)
# is elsewhere; one is all a Python process uses at a time. The client and the stand-in get the
# rest. Other jobs on the machine still share every core.
SERVER_CORES = {CORES[-1]} if len(CORES) >= 2 else set(CORES)
CLIENT_CORES = set(CORES[:-1]) if len(CORES) >= 2 else set(CORES)


def pin(pid: int, cores: set[int]) -> None:
    """Keep every thread of process ``pid`` on ``cores`` (threads it starts later inherit it)."""
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            os.sched_setaffinity(int(tid), cores)
    except OSError:
        pass  # no /proc, or the process is gone: measure unpinned


def row(scenario: str, measured: str, target: str = "") -> None:
    ROWS.append((scenario, measured, target))
    print(f"  {scenario}: {measured}", flush=True)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def wait_until(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


# --- the Slack stand-in, in a process of its own ----------------------------------------------


class RemoteFake:
    """The end-to-end tests' Slack stand-in, run in its own process with a small control API.

    In the load client's process its HTTP handling would compete with the client's threads for
    one GIL and inflate every measured ack.
    """

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve-fake"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # a bot killed mid-reply makes it log broken pipes
            text=True,
        )
        assert self.proc.stdout is not None
        self.api_url, self.control = self.proc.stdout.readline().split()
        self.base_url = self.api_url[: -len("/api/")]

    def response_url(self, response_id: str) -> str:
        return f"{self.base_url}/response/{response_id}"

    def _ask(self, path: str, **params: object) -> dict:
        reply = requests.post(f"{self.control}/{path}", params=params, timeout=120)
        reply.raise_for_status()
        return reply.json()

    def count(self, prefix: str) -> int:
        return int(self._ask("count", prefix=prefix)["n"])

    def last_text(self, name: str, ts: str) -> str | None:
        return self._ask("last", name=name, ts=ts)["text"]

    def add_file(self, name: str, data: bytes) -> str:
        reply = requests.post(f"{self.control}/add_file", params={"name": name}, data=data)
        reply.raise_for_status()
        return str(reply.json()["id"])

    def posts(self, channel: str) -> list[str]:
        return list(self._ask("posts", channel=channel)["texts"])

    def texts(self, prefix: str) -> list[str]:
        return list(self._ask("texts", prefix=prefix)["texts"])

    def slow(self, method: str, seconds: float) -> None:
        self._ask("slow", method=method, seconds=seconds)

    def reset(self) -> None:
        self._ask("reset")

    def settle(self, quiet: float = 0.5, timeout: float = 10.0) -> None:
        self._ask("settle", quiet=quiet, timeout=timeout)

    def install_as(self, team: str) -> None:
        self._ask("install_as", team=team)

    def set_redirect(self, url: str) -> None:
        self._ask("redirect", url=url)

    def tokens(self, prefix: str) -> tuple[int, int]:
        """(calls about channels starting with ``prefix``, how many used another's token)."""
        answer = self._ask("tokens", prefix=prefix)
        return int(answer["checked"]), int(answer["wrong"])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def serve_fake() -> int:
    """The stand-in's process: print its API URL and control URL, serve until terminated."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qsl

    fake = FakeSlack().start()

    class Control(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            q = dict(parse_qsl(parts.query))
            answer: dict = {}
            if parts.path == "/count":
                answer["n"] = sum(1 for c in fake.calls() if c.name.startswith(q["prefix"]))
            elif parts.path == "/last":
                found = [c for c in fake.calls(q["name"]) if c.body.get("ts") == q["ts"]]
                answer["text"] = found[-1].text() if found else None
            elif parts.path == "/slow":
                fake.slow(q["method"], float(q["seconds"]))
            elif parts.path == "/reset":
                fake.reset()
            elif parts.path == "/settle":
                fake.settle(float(q["quiet"]), float(q["timeout"]))
            elif parts.path == "/add_file":
                length = int(self.headers.get("Content-Length") or 0)
                answer["id"] = fake.add_file(q["name"], self.rfile.read(length))
            elif parts.path == "/posts":
                answer["texts"] = [
                    str(c.body.get("text") or "")
                    for c in fake.calls("chat.postMessage")
                    if c.body.get("channel") == q["channel"]
                ]
            elif parts.path == "/texts":
                answer["texts"] = [c.text() for c in fake.calls() if c.name.startswith(q["prefix"])]
            elif parts.path == "/install_as":
                fake.install_as(q["team"])
            elif parts.path == "/redirect":
                fake.set_redirect_url(q["url"])
            elif parts.path == "/tokens":
                # Calls about a workspace's channel (C…) made with another's token (T…).
                about = [
                    c
                    for c in fake.calls()
                    if c.name.startswith("chat.")
                    and str(c.body.get("channel", "")).startswith(q["prefix"])
                ]
                answer["checked"] = len(about)
                answer["wrong"] = sum(
                    1 for c in about if fake.team_of(c) != "T" + str(c.body["channel"])[1:]
                )
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    control = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    print(fake.api_url, f"http://127.0.0.1:{control.server_address[1]}", flush=True)
    try:
        control.serve_forever()
    finally:
        fake.stop()
    return 0


# --- the bot and its requests ------------------------------------------------------------------


CODE: Path | None = None  # --code: serve another checkout of ofin (the "before" of a change)


def start_bot(fake: RemoteFake, workdir: Path, *, inline: bool = False) -> OfinProcess:
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        **({"PYTHONPATH": str(CODE)} if CODE else {}),
        "SLACK_API_URL": fake.api_url,
        "OFIN_DB": str(workdir / "ofin.db"),
        "OFIN_ADMINS": ADMIN,
        "OFIN_LOG_LEVEL": "WARNING",
        "OFIN_SCHEDULER_SECONDS": "0.5",
    }
    bot = OfinProcess(env, workdir, python=INLINE if inline else ("-m", "bot"))
    return restart(bot)


def restart(bot: OfinProcess) -> OfinProcess:
    """Start the bot (again) and give it its own core."""
    bot.start(timeout=60)
    assert bot.proc is not None
    pin(bot.proc.pid, SERVER_CORES)
    return bot


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


def daily_post(bot: OfinProcess, fake: RemoteFake, channel: str) -> tuple[int, str]:
    code, _ = command(bot.events_url, fake, "daily now", ADMIN, channel)
    assert code == 200, "daily now failed"

    def posted() -> bool:
        rows = db_rows(
            bot.db_path,
            "SELECT id, message_ts FROM quiz_posts WHERE channel_id = ? AND status = 'open'",
            (channel,),
        )
        return bool(rows)

    assert wait_until(posted, 30), "the daily quiz never opened"
    (post_id, ts), *_ = db_rows(
        bot.db_path,
        "SELECT id, message_ts FROM quiz_posts WHERE channel_id = ? AND status = 'open'",
        (channel,),
    )
    return post_id, ts


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


def answers(bot: OfinProcess, post_id: int) -> int:
    return db_rows(bot.db_path, "SELECT COUNT(*) FROM answers WHERE post_id = ?", (post_id,))[0][0]


def live_count(fake: RemoteFake, ts: str) -> str:
    text = fake.last_text("chat.update", ts)
    if text is None:
        return "none"
    marker = " people answered so far"
    if marker not in text:
        return "?"
    return text.split(marker)[0].rsplit(" ", 1)[-1].strip('"*_')


def log_errors(bot: OfinProcess) -> int:
    return sum(1 for line in bot.log().splitlines() if "Traceback" in line)


# --- scenarios ---------------------------------------------------------------------------------


def load(
    fake: RemoteFake, work: Path, people: int, clients: int, *, inline: bool, lock: bool = True
) -> None:
    name = "inline write" if inline else "write pool (kept)"
    folder = f"load-{'inline' if inline else 'pool'}-{clients}"
    bot = start_bot(fake, work / folder, inline=inline)
    try:
        channel = f"CLOAD{uuid.uuid4().hex[:6].upper()}"
        post_id, ts = daily_post(bot, fake, channel)
        rng = random.Random(SEED)
        clicks = [(f"UL{n:04d}", k % 2) for n in range(people) for k in range(2)]
        rng.shuffle(clicks)
        bodies = [click_body(fake, post_id, ts, u, channel, i) for u, i in clicks]
        started = time.monotonic()
        results = burst(bot.events_url, bodies, clients)
        took = time.monotonic() - started
        ok = sum(1 for code, _ in results if code == 200)
        wait_until(lambda: answers(bot, post_id) >= people, 30)
        wait_until(lambda: live_count(fake, ts) == str(people), 30)
        acks = [t for _, t in results]
        row(
            f"load, {name}: {len(bodies):,} clicks, {people} people, {clients} clients",
            f"{ok:,}/{len(bodies):,} × 200; {answers(bot, post_id)} answers; live count "
            f"{live_count(fake, ts)}; ack p50 {ms(pct(acks, 50))}, p99 {ms(pct(acks, 99))}, "
            f"max {ms(max(acks))}; {len(bodies) / took:.0f} clicks/s",
            f"all 200, exactly {people}, {people}, p99 < 300 ms",
        )
        if lock:
            locked(fake, bot, name)
    finally:
        bot.stop()


def install(bot: OfinProcess, fake: RemoteFake, team: str) -> None:
    """ "Add to Slack" as a person of ``team``: the install page, the consent, the redirect."""
    fake.install_as(team)
    with requests.Session() as browser:
        page = browser.get(f"{bot.base_url}/slack/install", timeout=30)
        found = re.search(r'href="([^"]*/oauth/v2/authorize\?[^"]*)"', page.text)
        assert found, page.text
        link = html.unescape(found.group(1))
        for cookie in list(browser.cookies):  # Secure, kept by browsers on localhost too
            browser.cookies.set(cookie.name, cookie.value, secure=False)
        done = browser.get(link, timeout=30)
        assert done.status_code == 200, done.text


def workspaces(fake: RemoteFake, work: Path, teams: int, people: int, clients: int) -> None:
    """OAuth installs: ``teams`` workspaces through "Add to Slack", each posts its daily quiz,
    and ``people`` of each click it twice, all workspaces mixed in one burst."""
    folder = work / "workspaces"
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        "SLACK_API_URL": fake.api_url,
        "OFIN_DB": str(folder / "ofin.db"),
        "OFIN_ADMINS": ADMIN,
        "OFIN_LOG_LEVEL": "WARNING",
        "SLACK_BOT_TOKEN": "",
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "soak-secret",
    }
    bot = restart(OfinProcess(env, folder))
    try:
        fake.set_redirect(f"{bot.base_url}/slack/oauth_redirect")
        names = [f"{n:04d}" for n in range(teams)]
        started = time.monotonic()
        for name in names:
            install(bot, fake, f"TW{name}")
        installed = time.monotonic() - started
        bodies = []
        for name in names:
            team, channel = f"TW{name}", f"CW{name}"
            url = fake.response_url(f"soak-ws-{uuid.uuid4().hex[:12]}")
            body = command_body(
                "daily now", user_id=ADMIN, channel_id=channel, team_id=team, response_url=url
            )
            assert post(bot.events_url, body)[0] == 200
        query = "SELECT id, message_ts FROM quiz_posts WHERE channel_id = ? AND status = 'open'"
        for name in names:
            channel = f"CW{name}"
            assert wait_until(lambda c=channel: bool(db_rows(bot.db_path, query, (c,))), 60)
            post_id, ts = db_rows(bot.db_path, query, (channel,))[0]
            for p in range(people):
                for i in (0, 1):
                    bodies.append(
                        block_actions_body(
                            f"{DAILY_PREFIX}{i}",
                            f"{post_id}:{i}",
                            user_id=f"UW{name}{p:03d}",
                            channel_id=channel,
                            team_id=f"TW{name}",
                            response_url=fake.response_url(f"soak-ws-{uuid.uuid4().hex[:12]}"),
                            message_ts=ts,
                            is_ephemeral=False,
                        )
                    )
        random.Random(SEED).shuffle(bodies)
        started = time.monotonic()
        results = burst(bot.events_url, bodies, clients)
        took = time.monotonic() - started
        total = teams * people
        count = "SELECT COUNT(*) FROM answers"
        wait_until(lambda: db_rows(bot.db_path, count)[0][0] >= total, 60)
        per_team = db_rows(
            bot.db_path,
            "SELECT team_id, COUNT(*), SUM(channel_id = 'C' || substr(team_id, 2)) "
            "FROM answers GROUP BY team_id",
        )
        in_place = sum(1 for _, n, ok in per_team if n == people and ok == people)
        checked, wrong = fake.tokens("CW")
        acks = [t for _, t in results]
        ok = sum(1 for code, _ in results if code == 200)
        row(
            f"{teams} workspaces installed by OAuth ({installed:.1f} s), {len(bodies):,} clicks "
            f"from {total:,} people, {clients} clients",
            f"{ok:,}/{len(bodies):,} × 200; {db_rows(bot.db_path, count)[0][0]:,} answers, "
            f"{in_place}/{teams} workspaces with exactly their {people} in their own channel; "
            f"{wrong} of {checked} posts and updates with another workspace's token; ack p50 "
            f"{ms(pct(acks, 50))}, p99 {ms(pct(acks, 99))}, max {ms(max(acks))}; "
            f"{len(bodies) / took:.0f} clicks/s; {log_errors(bot)} tracebacks",
            f"all 200, exactly {total:,}, {teams}/{teams}, 0, p99 < 300 ms",
        )
    finally:
        bot.stop()


# --- several workers on PostgreSQL -------------------------------------------------------------

LEADS = "this worker now runs the schedulers"  # what the leading worker logs (PgLeader)
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_of(pid: int) -> tuple[float, float, int]:
    """(CPU seconds of ``pid``, of its children it reaped, its parent's pid); zeros when gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0, 0
    own = (int(fields[11]) + int(fields[12])) / TICK
    reaped = (int(fields[13]) + int(fields[14])) / TICK
    return own, reaped, int(fields[1])


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (every core, every process) since boot."""
    try:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle, iowait
    return (sum(values[:8]) - idle) / TICK


class CpuWatch:
    """Where the machine's CPU went during a burst: the workers, PostgreSQL (its server process,
    the sessions it runs and those it reaped), the Slack stand-in, the load client (this process
    and the pool processes it reaped) and everything else on the machine (other jobs)."""

    def __init__(
        self, workers: list[OfinProcess], fake: RemoteFake, pg_port: int, clients: int
    ) -> None:
        self.clients = clients
        self.workers = [w.proc.pid for w in workers if w.proc is not None]
        self.fake = fake.proc.pid
        self.pg_port = pg_port

    def _postgres(self) -> float:
        postmaster = None
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    args = f.read().split(b"\0")
            except OSError:
                continue
            if args and args[0].endswith(b"postgres") and str(self.pg_port).encode() in args:
                postmaster = int(entry)
        if postmaster is None:
            return 0.0
        own, reaped, _ = _cpu_of(postmaster)
        total = own + reaped
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                child, _, parent = _cpu_of(int(entry))
                total += child if parent == postmaster else 0.0
        return total

    def _sample(self) -> dict[str, float]:
        mine = os.times()
        return {
            "workers": sum(_cpu_of(pid)[0] for pid in self.workers),
            "PostgreSQL": self._postgres(),
            "Slack stand-in": _cpu_of(self.fake)[0],
            "load client": mine.user + mine.system + mine.children_user + mine.children_system,
            "machine": _busy_seconds(),
            "wall": time.monotonic(),
        }

    def __enter__(self) -> CpuWatch:
        self.before = self._sample()
        return self

    def __exit__(self, *exc: object) -> None:
        after = self._sample()
        self.used = {k: after[k] - self.before[k] for k in after}

    def summary(self, clicks: int) -> str:
        """The CPU seconds each used, and per click, against what the machine's cores had."""
        used = dict(self.used)
        wall, machine = used.pop("wall"), used.pop("machine")
        ours = sum(used.values())
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in used.items())
        per_click = ours / clicks
        ceiling = len(CORES) / per_click if per_click else float("inf")
        return (
            f"{parts}; other jobs on the machine {max(0.0, machine - ours):.1f} s; busy "
            f"{machine:.1f} of the {len(CORES)} cores' {wall * len(CORES):.1f} s; ours "
            f"{per_click * 1000:.1f} ms of CPU per click (workers "
            f"{used['workers'] / clicks * 1000:.1f} ms): with every core ours, at most "
            f"{ceiling:.0f} clicks/s, so a mean ack of at least "
            f"{self.clients / ceiling * 1000:.0f} ms for {self.clients} clients"
        )


def pg_rows(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    from bot.store.pg_conn import connect

    with connect(url) as conn:
        return list(conn.execute(sql, params).fetchall())


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


def postgres_workers(
    fake: RemoteFake, work: Path, teams: int, people: int, clients: int, n_workers: int = 3
) -> None:
    """Several ``serve`` workers on one PostgreSQL, many workspaces: answers exact, acks fast,
    and the same with the scheduler's leader killed mid-burst."""
    from tests.store.pg_server import database_url, pg_server

    server = pg_server(tcp=True)
    try:
        server_url = next(server)
    except BaseException as exc:  # pytest.skip's exception: no binaries or no psycopg here
        row("several workers on PostgreSQL", f"not run: {exc}")
        return
    folder = work / "postgres"
    workers: list[OfinProcess] = []
    try:
        from bot.store.pg_conn import connect

        with connect(server_url) as admin:
            admin.execute("CREATE DATABASE ofin_soak")
        url = database_url(server_url, "ofin_soak")
        for n in range(n_workers):
            env = {
                "SLACK_API_URL": fake.api_url,
                "OFIN_DATABASE_URL": url,
                "OFIN_ADMINS": ADMIN,
                "OFIN_LOG_LEVEL": "INFO",  # the leader says so in its log
                "OFIN_SCHEDULER_SECONDS": "0.5",
                "SLACK_BOT_TOKEN": "",
                "SLACK_CLIENT_ID": "111.222",
                "SLACK_CLIENT_SECRET": "soak-secret",
            }
            (folder / str(n)).mkdir(parents=True, exist_ok=True)
            workers.append(OfinProcess(env, folder / str(n)).start(timeout=60))  # not pinned
        fake.set_redirect(f"{workers[0].base_url}/slack/oauth_redirect")
        names = [f"{n:04d}" for n in range(teams)]
        started = time.monotonic()
        for k, name in enumerate(names):  # the install page of each worker in turn
            install(workers[k % n_workers], fake, f"TP{name}")
        installed = time.monotonic() - started
        for k, name in enumerate(names):
            body = command_body(
                "daily now",
                user_id=ADMIN,
                channel_id=f"CP{name}",
                team_id=f"TP{name}",
                response_url=fake.response_url(f"soak-pg-{uuid.uuid4().hex[:12]}"),
            )
            assert post(workers[k % n_workers].events_url, body)[0] == 200
        query = "SELECT channel_id, id, message_ts FROM quiz_posts WHERE status = 'open'"
        wait_until(lambda: len(pg_rows(url, query)) >= teams, 60)
        posts = {channel: (post_id, ts) for channel, post_id, ts in pg_rows(url, query)}
        assert len(posts) == teams, f"{len(posts)} of {teams} daily quizzes opened"

        def clicks(prefix: str) -> list[tuple[str, str, bytes]]:
            made = []
            for name in names:
                post_id, ts = posts[f"CP{name}"]
                for p in range(people):
                    for i in (0, 1):  # each person clicks twice: a double click
                        user = f"{prefix}{name}{p:03d}"
                        body = block_actions_body(
                            f"{DAILY_PREFIX}{i}",
                            f"{post_id}:{i}",
                            user_id=user,
                            channel_id=f"CP{name}",
                            team_id=f"TP{name}",
                            response_url=fake.response_url(f"soak-pg-{uuid.uuid4().hex[:12]}"),
                            message_ts=ts,
                            is_ephemeral=False,
                        )
                        made.append((user, body))
            random.Random(SEED).shuffle(made)
            return [(u, workers[k % n_workers].events_url, b) for k, (u, b) in enumerate(made)]

        def others(results: list[tuple[int, float]]) -> str:
            """The statuses other than 200, if any (0: no answer within 10 s)."""
            found = Counter(code for code, _ in results if code != 200)
            return f" (others: {dict(found)})" if found else ""

        def stored(prefix: str) -> dict[str, int]:
            return dict(
                pg_rows(
                    url,
                    "SELECT user_id, COUNT(*) FROM answers WHERE user_id LIKE %s GROUP BY user_id",
                    (prefix + "%",),
                )
            )

        def tracebacks(among: list[OfinProcess] = workers) -> int:
            found = [w.log() for w in among if "Traceback" in w.log()]
            if found:  # on the console, not in the table: what went wrong
                print(found[0][found[0].index("Traceback") - 300 :][:3000], flush=True)
            return sum(log.count("Traceback") for log in found)

        # 1. Every worker alive: 5,000 clicks → exactly 2,500 answers, each in its workspace.
        jobs = clicks("UP")
        started = time.monotonic()
        with CpuWatch(workers, fake, urlsplit(url).port or 0, clients) as cpu:
            results = spread([(u, b) for _, u, b in jobs], clients)
        took = time.monotonic() - started
        total = teams * people
        wait_until(lambda: len(stored("UP")) >= total, 60)
        answers_now = stored("UP")
        per_team = pg_rows(
            url,
            "SELECT team_id, COUNT(*), SUM(CASE WHEN channel_id = 'C' || substr(team_id, 2) "
            "THEN 1 ELSE 0 END) FROM answers WHERE user_id LIKE 'UP%%' GROUP BY team_id",
        )
        in_place = sum(1 for _, n, ok in per_team if n == people and ok == people)
        checked, wrong = fake.tokens("CP")
        acks = [t for code, t in results if code == 200]
        ok = sum(1 for code, _ in results if code == 200)
        row(
            f"{n_workers} workers on one PostgreSQL, {teams} workspaces installed by OAuth across "
            f"them ({installed:.1f} s), {len(jobs):,} clicks from {total:,} people, {clients} "
            "clients",
            f"{ok:,}/{len(jobs):,} × 200{others(results)}; {sum(answers_now.values()):,} "
            "answers from "
            f"{len(answers_now):,} people, {sum(1 for n in answers_now.values() if n > 1)} "
            f"doubled; {in_place}/{teams} workspaces with exactly their {people} in their own "
            f"channel; {wrong} of {checked} posts and updates with another workspace's token; ack "
            f"p50 {ms(pct(acks, 50))}, p99 {ms(pct(acks, 99))}, max {ms(max(acks))}; "
            f"{len(jobs) / took:.0f} clicks/s; {tracebacks()} tracebacks",
            f"all 200, exactly {total:,}, 0, {teams}/{teams}, 0, p99 < 300 ms",
        )
        row(
            f"where the CPU went during those {len(jobs):,} clicks (CPU seconds)",
            cpu.summary(len(jobs)),
        )
        leads = [LEADS in w.log() for w in workers]
        by_worker = []
        for n, worker in enumerate(workers):
            mine = [
                t
                for (_, u, _), (code, t) in zip(jobs, results, strict=True)
                if u == worker.events_url and code == 200
            ]
            by_worker.append(
                f"worker {n + 1}{' (leads the schedulers)' if leads[n] else ''}: "
                f"p50 {ms(pct(mine, 50))}, p99 {ms(pct(mine, 99))}"
            )
        row("the same clicks' acks by worker", "; ".join(by_worker))

        # 2. The same again from new people, and the scheduler's leader killed mid-burst.
        leader = next(w for w in workers if LEADS in w.log())
        jobs = clicks("UQ")
        outcome: list = []
        burst_done = threading.Event()

        def run() -> None:
            outcome.extend(spread([(u, b) for _, u, b in jobs], clients))
            burst_done.set()

        thread = threading.Thread(target=run)
        started = time.monotonic()
        thread.start()
        time.sleep(max(0.5, took / 3))  # about a third of the way in
        assert leader.proc is not None
        leader.proc.kill()  # kill -9: no goodbye, its sessions and its lock die with it
        leader.proc.wait()
        thread.join()
        took = time.monotonic() - started
        acked = {user for (user, _, _), (code, _) in zip(jobs, outcome, strict=True) if code == 200}
        survivors = [w for w in workers if w is not leader]
        wait_until(lambda: len(stored("UQ")) >= len(acked), 30)
        taken = wait_until(lambda: any(LEADS in w.log() for w in survivors), 30)
        after = stored("UQ")
        lost = acked - set(after)
        acks = [t for code, t in outcome if code == 200]
        row(
            f"the same, {len(jobs):,} clicks from {total:,} new people, the scheduler's leader "
            "killed (SIGKILL) a third of the way in",
            f"{len(acked):,} people acknowledged, {len(lost)} of them lost; "
            f"{sum(1 for n in after.values() if n > 1)} doubled; "
            f"{len(set(after) - acked)} stored without an ack (the client saw the kill); "
            f"{sum(1 for code, _ in outcome if code == 0):,} clicks refused by the dead worker; "
            f"another worker took the lead: {'yes' if taken else 'no'}; ack p50 "
            f"{ms(pct(acks, 50))}, p99 {ms(pct(acks, 99))}; {len(jobs) / took:.0f} clicks/s; "
            f"{tracebacks(survivors)} tracebacks in the survivors",
            "0 lost, 0 doubled, yes",
        )
    finally:
        for worker in workers:
            worker.stop()
        server.close()  # stops the server and removes its folder


def locked(fake: RemoteFake, bot: OfinProcess, name: str, hold: float = 5.0) -> None:
    channel = f"CLOCK{uuid.uuid4().hex[:6].upper()}"
    post_id, ts = daily_post(bot, fake, channel)
    conn = sqlite3.connect(bot.db_path, timeout=5, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    release = threading.Timer(hold, conn.rollback)
    release.start()
    try:
        bodies = [click_body(fake, post_id, ts, f"UK{n:03d}", channel, 0) for n in range(50)]
        with ThreadPoolExecutor(25) as pool:
            results = list(pool.map(lambda b: post(bot.events_url, b), bodies))
    finally:
        release.join()
        conn.close()
    wait_until(lambda: answers(bot, post_id) >= 50, 30)
    acks = [t for _, t in results]
    late = sum(1 for t in acks if t > 3.0)
    row(
        f"write lock held {hold:.0f} s by another process, {name}: 50 clicks",
        f"{sum(1 for c, _ in results if c == 200)}/50 × 200; slowest ack {ms(max(acks))}; "
        f"{late} over Slack's 3 s; {answers(bot, post_id)} answers once the lock went",
        "every ack < 3 s, 50 answers",
    )


def kills(fake: RemoteFake, work: Path, rounds: int, per_round: int) -> None:
    bot = start_bot(fake, work / "kills")
    channel = f"CKILL{uuid.uuid4().hex[:6].upper()}"
    post_id, ts = daily_post(bot, fake, channel)
    rng = random.Random(SEED)
    acked: set[str] = set()
    clicked = 0
    try:
        for r in range(rounds):
            users = [f"UK{r:02d}{n:04d}" for n in range(per_round)]
            bodies = {
                u: click_body(fake, post_id, ts, u, channel, n % 2) for n, u in enumerate(users)
            }
            url = bot.events_url
            results: dict[str, int] = {}

            def one(
                user: str,
                url: str = url,
                results: dict[str, int] = results,
                bodies: dict[str, bytes] = bodies,
            ) -> None:
                results[user] = post(url, bodies[user], timeout=5)[0]

            pool = ThreadPoolExecutor(50)
            futures = [pool.submit(one, u) for u in users]
            time.sleep(rng.uniform(0.2, 0.8))
            assert bot.proc is not None
            bot.proc.kill()  # kill -9, mid-burst
            bot.proc.wait()
            for f in futures:
                f.result()
            pool.shutdown()
            bot.stop()
            acked |= {u for u, code in results.items() if code == 200}
            clicked += len(users)
            restart(bot)
        stored = dict(
            db_rows(
                bot.db_path,
                "SELECT user_id, COUNT(*) FROM answers WHERE post_id = ? GROUP BY user_id",
                (post_id,),
            )
        )
        lost = sorted(acked - set(stored))
        doubled = sum(1 for n in stored.values() if n > 1)
        row(
            f"kill -9 mid-burst, {rounds} times ({clicked:,} clicks at 50 clients)",
            f"{len(acked):,} acknowledged; {len(lost)} lost; {doubled} doubled; "
            f"{len(stored) - len(acked & set(stored))} stored without an ack (the client saw the "
            "kill)",
            "0 lost, 0 doubled",
        )
    finally:
        bot.stop()


FUZZ_WORDS = [
    "quiz", "daily", "daily now", "daily on", "daily off", "daily status", "daily reveal",
    "leaderboard", "leaderboard teams", "stats", "help", "stack", "matrix", "unanswered",
    "forget", "who patches", "is the hypervisor", "<@U123>", "<#C123|general>", "<!here>",
    "&amp;", "&lt;", "25:99", "Europe/Paris", "mon,wed", "9" * 40,
]  # fmt: skip


def fuzz_text(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.3:
        return " ".join(rng.choice(FUZZ_WORDS) for _ in range(rng.randint(1, 6)))
    if kind < 0.5:
        return "".join(chr(rng.randint(32, 126)) for _ in range(rng.randint(0, 300)))
    if kind < 0.7:
        alphabet = "éßЖ中文العربية😀\u0301\u200b\u202e\t\n\r\x00\x1f"
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 200)))
    if kind < 0.8:
        return rng.choice(FUZZ_WORDS) + " " + "x" * rng.randint(1000, 12000)
    return rng.choice(FUZZ_WORDS) + " " + "".join(chr(rng.randint(0, 0x2FFF)) for _ in range(50))


def fuzz(fake: RemoteFake, work: Path, count: int) -> None:
    bot = start_bot(fake, work / "fuzz")
    fake.settle(quiet=0.5, timeout=30)
    fake.reset()
    rng = random.Random(SEED)
    jobs = []
    for n in range(count):
        user = ADMIN if n % 50 == 0 else f"UF{rng.randint(0, 199):03d}"
        channel = rng.choice([f"CF{k:02d}" for k in range(20)] + ["DFUZZ01"])
        jobs.append((fuzz_text(rng), user, channel))
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(50) as pool:
            results = list(pool.map(lambda j: command(bot.events_url, fake, *j), jobs))
        took = time.monotonic() - started
        fake.settle(quiet=1.0, timeout=60)
        replies = fake.count("response:soak-cmd-")
        busy = sum(1 for c, _ in results if c == BUSY_ACK)
        row(
            f"{count:,} fuzzed commands at 50 clients",
            f"{sum(1 for c, _ in results if c in (200, BUSY_ACK)):,} × 200 ({busy:,} of them "
            f"'very busy', the queue being full); {replies:,} replies; "
            f"{log_errors(bot)} exceptions in the log; {count / took:.0f} commands/s",
            "0 exceptions",
        )
    finally:
        bot.stop()


def trickle(host: str, port: int, stop: threading.Event, seconds: float) -> None:
    try:
        sock = socket.create_connection((host, port), timeout=seconds + 5)
    except OSError:
        return
    start = time.monotonic()
    try:
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
        while not stop.is_set() and time.monotonic() - start < seconds:
            sock.sendall(b"X")
            time.sleep(0.5)
    except OSError:
        pass
    finally:
        sock.close()


def under_slow_clients(fake: RemoteFake, url: str, slow: int, legit: int = 10) -> list[float]:
    parts = urlsplit(url)
    stop = threading.Event()
    threads = [
        threading.Thread(target=trickle, args=(parts.hostname, parts.port, stop, 15.0))
        for _ in range(slow)
    ]
    for t in threads:
        t.start()
    time.sleep(1.0)
    took = []
    try:
        for n in range(legit):
            code, seconds = command(url, fake, "help", f"ULEGIT{n}", "C0GENERAL")
            took.append(seconds if code == 200 else float("inf"))
    finally:
        stop.set()
        for t in threads:
            t.join(20)
    return took


def slow_clients(fake: RemoteFake, work: Path, slow: int) -> None:
    bot = start_bot(fake, work / "slow")
    try:
        took = under_slow_clients(fake, bot.events_url, slow)
        answered = sum(1 for t in took if t < 3.0)
        row(
            f"{slow} slow clients trickling headers: python -m bot serve (kept)",
            f"{answered}/{len(took)} legitimate requests answered within 3 s; slowest "
            f"{ms(max(took)) if max(took) != float('inf') else 'never'}",
            "all within 3 s",
        )
    finally:
        bot.stop()


# --- signed attacks: replays, fuzzed payloads, hostile templates, the database under the bot ---

RETRY_VARIANTS = ["1", "2", "01", "abc", "-1", "", " 1", "99999999999"]


def replays(fake: RemoteFake, work: Path) -> None:
    """One signed command captured and sent again: with every retry header variant, and bare."""
    bot = start_bot(fake, work / "replays")
    try:
        reply = f"soak-replay-{uuid.uuid4().hex[:8]}"
        body = command_body(
            "who patches the hypervisor?", user_id="UREPLAY", response_url=fake.response_url(reply)
        )
        captured = signed_headers(SIGNING_SECRET, body)
        codes = Counter([post(bot.events_url, body, headers=captured)[0]])
        for variant in RETRY_VARIANTS * 5:
            retry = {**captured, "X-Slack-Retry-Num": variant}
            codes[post(bot.events_url, body, headers=retry)[0]] += 1
        for _ in range(5):
            codes[post(bot.events_url, body, headers=captured)[0]] += 1
        fake.settle(quiet=1.0)
        acted = fake.count(f"response:{reply}")
        row(
            f"one signed command, then {len(RETRY_VARIANTS) * 5} replays with X-Slack-Retry-Num "
            f"({', '.join(repr(v) for v in RETRY_VARIANTS)}) and 5 without",
            f"answered {acted} time(s); statuses {dict(sorted(codes.items()))}",
            "answered once",
        )
    finally:
        bot.stop()


def fuzzed_interactions(fake: RemoteFake, work: Path, count: int) -> None:
    bot = start_bot(fake, work / "fuzz-clicks")
    try:
        bodies = fuzzed_clicks(random.Random(SEED), count, fake.response_url("soak-fuzz"))
        with ThreadPoolExecutor(20) as pool:
            codes = Counter(code for code, _ in pool.map(lambda b: post(bot.events_url, b), bodies))
        fake.settle(quiet=0.5)
        errors = sum(n for code, n in codes.items() if code >= 500)
        row(
            f"{count:,} fuzzed signed clicks (actions empty, null or an object, type missing, "
            "user a string, broken JSON…)",
            f"{errors:,} 5xx; statuses {dict(sorted(codes.items()))}; "
            f"{log_errors(bot):,} tracebacks in the log",
            "0 5xx, 0 tracebacks",
        )
    finally:
        bot.stop()


def send_template(bot: OfinProcess, fake: RemoteFake, name: str, data: bytes) -> str:
    """DM a file to the bot (file_shared); the DM's channel."""
    channel = f"DT{uuid.uuid4().hex[:8].upper()}"
    event = {
        "type": "file_shared",
        "file_id": fake.add_file(name, data),
        "user_id": "UTEMPLATES",
        "channel_id": channel,
        "event_ts": f"{time.time():.6f}",
    }
    code, _ = post(bot.events_url, event_body(event), content_type=JSON)
    assert code == 200, code
    return channel


def answered(fake: RemoteFake, channels: list[str], timeout: float) -> dict[str, float]:
    """Seconds until each channel's final reply (not the "reading other templates" notice)."""
    started = time.monotonic()
    done: dict[str, float] = {}
    while len(done) < len(channels) and time.monotonic() - started < timeout:
        for channel in channels:
            finals = [t for t in fake.posts(channel) if "reading other templates" not in t]
            if channel not in done and finals:
                done[channel] = time.monotonic() - started
        time.sleep(0.1)
    return done


def hostile_templates(fake: RemoteFake, work: Path) -> None:
    files = {
        "an 800 KB .tf of 200,000 interpolations": hostile.interpolations(200_000),
        "a 5,000-digit number in a 5 KB .tf": hostile.big_number(5_000, "tf"),
        "a 5,000-digit number in a .json": hostile.big_number(5_000, "json"),
        "20,000 resources (700 KB of YAML)": hostile.many_resources(20_000),
        "an ordinary-looking 540 KB .tf of 4,000 resources": hostile.terraform(4_000),
    }
    names = ["i.tf", "n.tf", "n.json", "r.yaml", "slow.tf"]
    bot = start_bot(fake, work / "templates")
    assert bot.proc is not None
    base = bot.base_url
    try:
        for (label, data), name in zip(files.items(), names, strict=True):
            with front_door.Watch(bot.proc.pid, base, probe_every=1.0) as watch:
                channel = send_template(bot, fake, name, data)
                took = answered(fake, [channel], 150).get(channel)
            reply = (fake.posts(channel) or ["(none)"])[-1]
            row(
                f"by DM, one at a time: {label}",
                f"reply {'none in 150 s' if took is None else f'in {took:.1f} s'}: "
                f'"{reply[:90]}"; bot RSS peak {watch.peak_rss:.0f} MB',
                "reply ≤ 10 s, RSS ≤ 600 MB",
            )
        for label, name in ((list(files)[0], "i.tf"), (list(files)[-1], "slow.tf")):
            data = files[label]
            with front_door.Watch(bot.proc.pid, base, probe_every=1.0) as watch:
                channels = [send_template(bot, fake, f"{n}{name}", data) for n in range(3)]
                took = answered(fake, channels, 200)
            times = ", ".join(f"{took[c]:.1f} s" if c in took else "none" for c in channels)
            queued = sum(
                1 for c in channels if any("reading other templates" in t for t in fake.posts(c))
            )
            row(
                f"by DM, three at once: {label}",
                f"replies in {times} ({queued} told they wait); bot RSS peak "
                f"{watch.peak_rss:.0f} MB",
                "reply ≤ 10 s each (or told it waits), RSS ≤ 600 MB",
            )
    finally:
        bot.stop()


def database_faults(fake: RemoteFake, work: Path, clicks: int = 100) -> None:
    for fault in ("deleted", "made read-only (chattr +i)"):
        bot = start_bot(fake, work / f"db-{fault.split()[0]}")
        try:
            channel = f"CDB{uuid.uuid4().hex[:6].upper()}"
            post_id, ts = daily_post(bot, fake, channel)
            if fault == "deleted":
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{bot.db_path}{suffix}").unlink(missing_ok=True)
            elif subprocess.run(["chattr", "+i", str(bot.db_path)]).returncode != 0:
                continue
            prefix = f"soak-db-{uuid.uuid4().hex[:6]}-"
            bodies = [
                click_body(fake, post_id, ts, f"UD{n:04d}", channel, n % 2, prefix)
                for n in range(clicks)
            ]
            url = bot.events_url
            with ThreadPoolExecutor(20) as pool:
                codes = Counter(c for c, _ in pool.map(lambda b, u=url: post(u, b), bodies))
            fake.settle(quiet=1.0, timeout=30)
            texts = fake.texts(f"response:{prefix}")
            confirmed = sum(1 for t in texts if "Right" in t or "Not this time" in t)
            sorry = sum(1 for t in texts if "Sorry" in t)
            try:
                ready = requests.get(bot.base_url + "/readyz", timeout=5).status_code
            except requests.RequestException:
                ready = 0
            log = bot.log()
            subprocess.run(["chattr", "-i", str(bot.db_path)], capture_output=True)
            bot.stop()
            restart(bot)
            stored = answers(bot, post_id) if bot.db_path.exists() else 0
            row(
                f"database {fault} under the running bot, then {clicks} clicks",
                f"{dict(codes)}; {confirmed} confirmed, {sorry} 'Sorry'; {stored} stored after "
                f"a restart; /readyz {ready}; {sum('database at' in x for x in log.splitlines())}"
                f" log lines naming it, {log.count('Traceback')} tracebacks",
                "0 confirmed that were not stored",
            )
        finally:
            subprocess.run(["chattr", "-i", str(bot.db_path)], capture_output=True)
            bot.stop()


def front_door_scenarios(fake: RemoteFake, work: Path, quick: bool) -> None:
    """Header floods, idle connections, slow loris and pipelining: no signature needed."""
    who = f"({CODE.name})" if CODE else "(this checkout)"
    seconds = 8.0 if quick else 15.0
    for conns in (100, 250):
        bot = start_bot(fake, work / f"flood-{conns}")
        try:
            host, port = address(bot)
            assert bot.proc is not None
            r = front_door.header_flood(bot.proc.pid, host, port, conns, seconds)
            row(
                f"header flood {who}: {conns} connections × 95 headers of 60 KB, {seconds:.0f} s",
                f"RSS {r['before_mb']:.0f} MB → peak {r['peak_mb']:,.0f} MB"
                f"{' (flood stopped at the cap)' if r['capped'] else ''}, "
                f"{r['after_mb']:,.0f} MB after; slowest /healthz {slowest(r)}",
                "RSS ≤ 600 MB, /healthz < 1 s",
            )
        finally:
            bot.stop()
    bot = start_bot(fake, work / "front-door")
    try:
        host, port = address(bot)
        assert bot.proc is not None
        pid = bot.proc.pid
        r = front_door.idle(pid, host, port, 2000, seconds)
        row(
            f"2,000 idle connections {who}",
            f"slowest /healthz {slowest(r)}; peak RSS {r['peak_mb']:.0f} MB, "
            f"{r['peak_threads']} threads",
            "/healthz < 1 s",
        )
        time.sleep(12)  # the idle ones are cut off

        def legit(n: int) -> float:
            code, took = command(bot.events_url, fake, "help", f"ULORIS{n}", "C0GENERAL")
            return took if code == 200 else float("inf")

        r = front_door.slow_loris(pid, host, port, 600, legit, seconds)
        row(
            f"600 slow-loris connections {who}, 20 signed requests meanwhile",
            f"{r['late']} of 20 past Slack's 3 s (slowest {ms(r['slowest'])}); "
            f"{r['peak_threads']:,} threads, peak RSS {r['peak_mb']:.0f} MB",
            "0 past 3 s, threads bounded",
        )
        time.sleep(12)
        get = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        answered = front_door.pipelined(host, port, [get, get])
        row(f"two pipelined requests on one connection {who}", f"{answered} answers", "2")
    finally:
        bot.stop()


def slowest(r: dict) -> str:
    failed = f", {r['healthz_failed']} of {r['probes']} unanswered" if r["healthz_failed"] else ""
    worst = r["slowest_healthz"]
    return ("none answered" if worst == float("inf") else ms(worst)) + failed


def address(bot: OfinProcess) -> tuple[str, int]:
    parts = urlsplit(bot.events_url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def slow_users_info(fake: RemoteFake, work: Path, clicks: int) -> None:
    bot = start_bot(fake, work / "users-info")
    try:
        channel = f"CSLOW{uuid.uuid4().hex[:6].upper()}"
        post_id, ts = daily_post(bot, fake, channel)
        fake.slow("users.info", 5)
        with ThreadPoolExecutor(60) as pool:
            boards = [
                pool.submit(command, bot.events_url, fake, "leaderboard", f"UB{n:02d}", channel)
                for n in range(10)
            ]
            time.sleep(0.3)
            bodies = [
                click_body(fake, post_id, ts, f"US{n:04d}", channel, 0) for n in range(clicks)
            ]
            results = list(pool.map(lambda b: post(bot.events_url, b), bodies))
            for f in boards:
                f.result()
        acks = [t for _, t in results]
        row(
            f"users.info takes 5 s: {clicks} clicks at 50 clients, 10 leaderboards waiting",
            f"{sum(1 for c, _ in results if c == 200)}/{clicks} × 200; ack p50 "
            f"{ms(pct(acks, 50))}, p99 {ms(pct(acks, 99))}, max {ms(max(acks))}",
            "every click acked within 300 ms",
        )
    finally:
        fake.reset()
        bot.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts, for a smoke run")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, help="serve this checkout of ofin instead")
    parser.add_argument(
        "--only",
        choices=["front-door", "attacks", "workspaces", "postgres"],
        help="run only these scenarios",
    )
    parser.add_argument("--write", type=Path, help="also write the table as a docs page")
    args = parser.parse_args()
    if args.serve_fake:
        return serve_fake()
    global CODE
    CODE = args.code.resolve() if args.code else None
    quick = args.quick
    pin(os.getpid(), CLIENT_CORES)  # the stand-in and the client's processes inherit it
    fake = RemoteFake()
    started = time.monotonic()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="ofin-soak-") as tmp:
        work = Path(tmp)
        if args.only in (None, "front-door"):
            print("soak: the front door", flush=True)
            front_door_scenarios(fake, work, quick)
        if args.only in (None, "attacks"):
            print("soak: replays, fuzzed clicks, hostile templates, the database", flush=True)
            replays(fake, work)
            fuzzed_interactions(fake, work, 500 if quick else 2_000)
            hostile_templates(fake, work)
            database_faults(fake, work)
        if args.only in (None, "workspaces"):
            print("soak: many workspaces", flush=True)
            workspaces(fake, work, 10 if quick else 50, 50, 100)
        if args.only == "postgres":  # not in the full run: it needs PostgreSQL's binaries
            print("soak: several workers on PostgreSQL", flush=True)
            postgres_workers(fake, work, 10 if quick else 50, 50, 100)
        if args.only:
            return report(fake, started, args, load_before)
        print("soak: load", flush=True)
        load(fake, work, 100 if quick else 500, 100, inline=False)
        load(fake, work, 100 if quick else 500, 100, inline=True)
        load(fake, work, 100 if quick else 500, 50, inline=False, lock=False)
        print("soak: kill -9", flush=True)
        kills(fake, work, 2 if quick else 10, 400)
        print("soak: fuzz", flush=True)
        fuzz(fake, work, 500 if quick else 10_000)
        print("soak: slow clients", flush=True)
        slow_clients(fake, work, 50)
        print("soak: slow users.info", flush=True)
        slow_users_info(fake, work, 100 if quick else 300)
    return report(fake, started, args, load_before)


def report(
    fake: RemoteFake,
    started: float,
    args: argparse.Namespace,
    load_before: tuple[float, float, float],
) -> int:
    fake.stop()
    seconds = time.monotonic() - started
    table = ["| scenario | measured | target |", "|---|---|---|"]
    table += [f"| {scenario} | {measured} | {target} |" for scenario, measured, target in ROWS]
    print()
    print(f"(total {seconds:.0f} s)")
    print("\n".join(table))
    if args.write:
        old = args.write.read_text(encoding="utf-8") if args.write.exists() else ""
        if args.only == "postgres":  # its own section: the rest of the page stays as it is
            text = with_section(old, section(args, table, seconds, load_before))
        else:  # the whole page again, keeping the PostgreSQL section it had
            text = with_section(page(args, table, seconds, load_before), postgres_section(old))
        args.write.write_text(text, encoding="utf-8")
        print(f"wrote {args.write}")
    return 0


PG_START = "<!-- soak: postgres -->"
PG_END = "<!-- /soak: postgres -->"


def postgres_section(text: str) -> str:
    """The PostgreSQL section of a page (markers included), or ""."""
    if PG_START not in text or PG_END not in text:
        return ""
    return PG_START + text.split(PG_START, 1)[1].split(PG_END, 1)[0] + PG_END


def with_section(text: str, section: str) -> str:
    """``text`` with its PostgreSQL section replaced by ``section`` (added at the end if none)."""
    old = postgres_section(text)
    if not section:
        return text
    if old:
        return text.replace(old, section)
    return text.rstrip("\n") + "\n\n" + section + "\n"


def section(
    args: argparse.Namespace,
    table: list[str],
    seconds: float,
    load_before: tuple[float, float, float],
) -> str:
    """The PostgreSQL scenario's table as a section of the page, with its own provenance."""
    from datetime import UTC, datetime

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    quick = " --quick" if args.quick else ""
    return "\n".join(
        [
            PG_START,
            "## Several workers on PostgreSQL",
            "",
            f"Written by `make soak-postgres` (`python bench/soak.py --only postgres{quick} "
            f"--write {args.write}`) on {when}, serving this checkout ({git_head()}); "
            f"{seconds:.0f} s; load average {load_before[0]:.1f} before, "
            f"{os.getloadavg()[0]:.1f} at the end. Three `serve` workers share one PostgreSQL 15 "
            "(a throwaway server on loopback) and the machine's cores with the load client and "
            "the Slack stand-in (not pinned: three servers cannot each have a core of their "
            "own here); compare with the single-process SQLite rows above, measured with the "
            "server on a core of its own. The first burst includes each workspace's start in "
            "each worker (its Core and its three scheduler threads, at its first click there; "
            "no Web API call: requests are authorized from the stored installation); the "
            "second is warm. The workers run their schedulers every 0.5 s, so that a takeover "
            "shows within the burst: with 50 workspaces the leader runs 300 passes a second, "
            "60 times what the default 30 s makes. The CPU row says where the machine's CPU "
            "went during the first burst, other jobs included: each of the 100 clients sends "
            "its next click when the last is answered, so the mean ack is the clients divided "
            "by the clicks per second (Little's law), and the clicks per second are bounded by "
            "the cores divided by the CPU each click costs (workers, PostgreSQL, the stand-in "
            "and the client together, all on these cores). So p99 under 300 ms is out of reach "
            "on two cores shared by three workers, PostgreSQL, the stand-in and the client: "
            "it needs a mean well under 300 ms, that is the CPU row's ceiling well above what "
            "two cores give, from more cores (in production each worker and PostgreSQL have "
            "their own, and Slack and its clients are elsewhere) or less CPU per click. The "
            "by-worker row shows the rest of the tail: the worker that leads runs every "
            "workspace's scheduler passes beside its share of the clicks. Tracebacks here are "
            "follow-ups that failed, logged with `logger.exception`; the console shows the "
            "first.",
            "",
            *table,
            PG_END,
        ]
    )


def page(
    args: argparse.Namespace,
    table: list[str],
    seconds: float,
    load_before: tuple[float, float, float],
) -> str:
    """The table as a generated docs page: what ran, where, when, and under how much other load."""
    import platform
    from datetime import UTC, datetime

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    options = " ".join(
        part
        for part in (
            "--quick" if args.quick else "",
            f"--only {args.only}" if args.only else "",
            f"--code {args.code}" if args.code else "",
            f"--write {args.write}",
        )
        if part
    )
    served = (
        f"the checkout at `{args.code}` (`--code`: the code before a change)"
        if args.code
        else f"this checkout ({git_head()})"
    )
    load_after = os.getloadavg()
    return "\n".join(
        [
            "# Load and fault figures (generated)",
            "",
            f"Written by `make soak` (`python bench/soak.py {options}`) on {when}, serving "
            f"{served}, on {platform.machine()} with {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; {seconds / 60:.0f} minutes. The machine's load average: "
            f"{load_before[0]:.1f} before the run, {load_after[0]:.1f} at its end (other jobs "
            "share it). Do not edit: run it again. What each scenario does, and why ofin is "
            "built to pass it: [operations](operations.md#under-load-and-faults) and "
            "`bench/soak.py`.",
            "",
            f"The server runs on a core of its own ({len(SERVER_CORES)} of {len(CORES)}), the "
            "load client and the Slack stand-in on the others, as in production where Slack is "
            "elsewhere; every request is signed as Slack signs it and goes to 127.0.0.1.",
            "",
            *table,
            "",
        ]
    )


def git_head() -> str:
    """The commit served, as `git describe` names it, or "not a git checkout"."""
    found = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return f"commit {found.stdout.strip()}" if found.returncode == 0 else "not a git checkout"


if __name__ == "__main__":
    sys.exit(main())
