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
- the front door (bench/soaking/front_door.py): header floods at 100 and 250 connections, 2,000 idle
  connections, 600 slow-loris connections, pipelining; ``--code DIR`` runs any scenario against
  another checkout (the "before" of a change), ``--only front-door`` runs these alone;
- users.info taking 5 s: how fast every click is still acknowledged;
- signed attacks: a command replayed with every X-Slack-Retry-Num variant, 2,000 fuzzed clicks,
  hostile templates by DM one and three at a time, the database deleted or made immutable under
  the running bot (``--only attacks`` runs these alone);
- ``--only postgres`` (``make soak-postgres``): three ``serve`` workers on one throwaway
  PostgreSQL (tests/store/pg_server.py), 50 workspaces installed by OAuth across them, 5,000
  clicks from 2,500 people spread over the workers by 100 clients each sending its next click
  when the last is answered (closed loop: the capacity, in clicks/s); as many from new people
  sent at a fixed rate, each at its scheduled time answered or not, acks timed from that time
  (open loop: the latency at an offered load, the row with the p99 target; ``--rate N``, 250
  clicks/s unless told); then as many again, closed loop, with the scheduler's leader killed
  (SIGKILL) a third of the way in: answers exact (none lost, none doubled), ack p50/p99. Its
  table goes in a section of its own of the page, which ``make soak`` keeps.

The server runs on a core of its own (the last one), the client and the stand-in on the others,
as in production where Slack is elsewhere; with ``--only postgres`` nothing is pinned (three
workers cannot each have a core of their own here), and the workers, PostgreSQL, the stand-in
and the client share every core. Traffic goes only to 127.0.0.1; every loop is bounded in count
and time.

``--write PATH`` also writes the table as a generated page of the docs, with the machine, the
date and the load from other jobs (``make soak`` writes docs/soak.md), so no figure is retyped.
``--profile DIR`` (with ``--only postgres``) runs the workers under a CPU sampler and prints where
the first burst's CPU went, worker by worker. ``--rate N`` (with ``--only postgres``) paces the
open-loop burst at N clicks/s.

This file is the entry point: the arguments and the order of the scenarios. The scenarios and
their tools live in bench/soaking/, one job per module (its __init__ lists them).

Usage: python bench/soak.py [--quick] [--only front-door|attacks|workspaces|postgres] [--code DIR]
                            [--write docs/soak.md] [--profile DIR] [--rate N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from soaking.attacks import database_faults, fuzzed_interactions, hostile_templates, replays
from soaking.common import CLIENT_CORES, RUN, pin
from soaking.fake import RemoteFake, serve_fake
from soaking.front_door_scenarios import front_door_scenarios
from soaking.load import fuzz, kills, load, slow_clients, slow_users_info
from soaking.page import report
from soaking.postgres import PACED_RATE, postgres_workers
from soaking.workspaces import workspaces


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
    parser.add_argument(
        "--profile",
        type=Path,
        help="with --only postgres: run the workers under a CPU sampler, write its files in "
        "this folder, print where a click's CPU goes, and stop after the first burst",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=PACED_RATE,
        help=f"with --only postgres: the open-loop burst's clicks/s (default {PACED_RATE})",
    )
    args = parser.parse_args()
    if args.rate <= 0:
        parser.error("--rate must be above 0")
    if args.serve_fake:
        return serve_fake()
    RUN.code = args.code.resolve() if args.code else None
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        RUN.profile = args.profile.resolve()
    quick = args.quick
    if args.only != "postgres":  # there nothing is pinned: the workers and PostgreSQL would
        pin(os.getpid(), CLIENT_CORES)  # inherit it, as the stand-in and the client do
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
            postgres_workers(fake, work, 10 if quick else 50, 50, 100, rate=args.rate)
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


if __name__ == "__main__":
    sys.exit(main())
