"""Load and the faults of a running server: clicks at 100 and 50 clients, a held write lock,
kill -9 mid-burst, fuzzed commands, slow clients and a slow users.info."""

from __future__ import annotations

import random
import socket
import sqlite3
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from soaking.bots import answers, daily_post, live_count, log_errors, restart, start_bot
from soaking.client import burst, click_body, command, post
from soaking.common import ADMIN, BUSY_ACK, SEED, ms, pct, row, wait_until
from soaking.fake import RemoteFake
from tests.e2e.harness import OfinProcess, db_rows


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
