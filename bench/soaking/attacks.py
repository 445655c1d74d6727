"""Signed attacks: replays with every X-Slack-Retry-Num, fuzzed clicks, hostile templates by DM,
and the database deleted or made immutable under the running bot (``--only attacks``)."""

from __future__ import annotations

import random
import subprocess
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from soaking import front_door
from soaking.bots import answers, daily_post, log_errors, restart, start_bot
from soaking.client import click_body, post
from soaking.common import SEED, row
from soaking.fake import RemoteFake
from tests.e2e.harness import SIGNING_SECRET, OfinProcess, hostile
from tests.e2e.harness.fuzz import fuzzed_clicks
from tests.e2e.harness.slack_requests import JSON, command_body, event_body, signed_headers

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
