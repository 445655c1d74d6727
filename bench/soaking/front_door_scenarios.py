"""The front door's rows (``--only front-door``): header floods, idle connections, slow loris and
pipelining (soaking/front_door.py), against this checkout or ``--code DIR``."""

from __future__ import annotations

import time
from pathlib import Path

from soaking import front_door
from soaking.bots import address, start_bot
from soaking.client import command
from soaking.common import RUN, ms, row
from soaking.fake import RemoteFake


def front_door_scenarios(fake: RemoteFake, work: Path, quick: bool) -> None:
    """Header floods, idle connections, slow loris and pipelining: no signature needed."""
    who = f"({RUN.code.name})" if RUN.code else "(this checkout)"
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
