"""Several workers on PostgreSQL (``--only postgres``, ``make soak-postgres``): three ``serve``
workers on a throwaway server, 50 workspaces installed by OAuth across them, 5,000 clicks as fast
as 100 clients get answers (capacity), 5,000 more paced at a fixed rate (open loop: the latency
at an offered load), then 5,000 more with the scheduler's leader killed; ``--profile DIR`` runs
the workers under soaking/sampler.py and prints where a click's CPU goes instead of the bursts
after the first."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from soaking.bots import install
from soaking.client import paced, post, spread
from soaking.common import ADMIN, DAILY_PREFIX, ROOT, RUN, SEED, ms, pct, row, wait_until
from soaking.cpu import CpuWatch
from soaking.fake import RemoteFake
from tests.e2e.harness import OfinProcess
from tests.e2e.harness.slack_requests import block_actions_body, command_body

LEADS = "this worker now runs the schedulers"  # what the leading worker logs (PgLeader)


#: The open-loop burst's offered load, clicks per second. 5,000 clicks in 20 s: all 2,500 people
#: of 50 workspaces answering their daily quiz twice within 20 seconds, a burstier day than any
#: real one; about half the capacity the closed-loop burst measures on this 2-core machine
#: (470-540 clicks/s, the client and the stand-in sharing the cores), so the workers are busy
#: but not saturated, and the latency is what a person sees rather than clients divided by
#: throughput. Not half the CPU, though: clicks that overlap less share fewer live-count
#: updates (the row says how busy the cores were). ``--rate N`` chooses another.
PACED_RATE = 250


def pg_rows(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    from bot.store.pg_conn import connect

    with connect(url) as conn:
        return list(conn.execute(sql, params).fetchall())


def postgres_workers(
    fake: RemoteFake,
    work: Path,
    teams: int,
    people: int,
    clients: int,
    n_workers: int = 3,
    rate: float = PACED_RATE,
) -> None:
    """Several ``serve`` workers on one PostgreSQL, many workspaces: answers exact, the
    capacity (closed loop), acks fast at ``rate`` clicks/s (open loop), and the same with the
    scheduler's leader killed mid-burst."""
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
                **({"PYTHONPATH": str(RUN.code)} if RUN.code else {}),  # --code: another checkout
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
            python: tuple[str, ...] = ("-m", "bot")
            if RUN.profile is not None:  # --profile: each worker under the CPU sampler
                python = (str(SAMPLER), str(RUN.profile / f"worker{n + 1}.json"), "-m", "bot")
            worker = OfinProcess(env, folder / str(n), python=python)
            workers.append(worker.start(timeout=60))  # not pinned
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

        def placed(prefix: str) -> int:
            """The workspaces with exactly their ``people`` answers, each in its own channel."""
            per_team = pg_rows(
                url,
                "SELECT team_id, COUNT(*), SUM(CASE WHEN channel_id = 'C' || substr(team_id, 2) "
                "THEN 1 ELSE 0 END) FROM answers WHERE user_id LIKE %s GROUP BY team_id",
                (prefix + "%",),
            )
            return sum(1 for _, n, ok in per_team if n == people and ok == people)

        def tracebacks(among: list[OfinProcess] = workers) -> int:
            found = [w.log() for w in among if "Traceback" in w.log()]
            if found:  # on the console, not in the table: what went wrong
                print(found[0][found[0].index("Traceback") - 300 :][:3000], flush=True)
            return sum(log.count("Traceback") for log in found)

        # 1. Every worker alive: 5,000 clicks → exactly 2,500 answers, each in its workspace.
        jobs = clicks("UP")
        if RUN.profile is not None:  # the samplers forget the start-up and the installs
            for worker in workers:
                assert worker.proc is not None
                os.kill(worker.proc.pid, signal.SIGUSR1)
        started = time.monotonic()
        with CpuWatch(workers, fake, urlsplit(url).port or 0, clients) as cpu:
            results = spread([(u, b) for _, u, b in jobs], clients)
        took = time.monotonic() - started
        total = teams * people
        wait_until(lambda: len(stored("UP")) >= total, 60)
        answers_now = stored("UP")
        in_place = placed("UP")
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
            f"all 200, exactly {total:,}, 0, {teams}/{teams}, 0; capacity: clicks/s (p50/p99 "
            f"shown: with {clients} clients always waiting, the mean ack is {clients} divided by "
            "the clicks/s; the latency target is the open loop's)",
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
        if RUN.profile is not None:  # the first burst only: the workers' samples end here
            for worker in workers:
                worker.stop()
            profile_summary(RUN.profile, leads, len(jobs))
            return

        # 2. Open loop: as many clicks from new people, each sent at its scheduled time at
        # ``rate`` clicks/s whatever the answers before it, each ack timed from that time.
        jobs = clicks("UR")
        checked_before, wrong_before = fake.tokens("CP")
        with CpuWatch(workers, fake, urlsplit(url).port or 0, clients) as cpu:
            start, sent = paced([(u, b) for _, u, b in jobs], rate)
        wait_until(lambda: len(stored("UR")) >= total, 60)
        answers_now = stored("UR")
        late = [lateness for _, _, lateness, _ in sent]
        span = max(at for *_, at in sent) - start  # the first click is due at ``start``
        acks = [t for code, t, _, _ in sent if code == 200]
        checked, wrong = fake.tokens("CP")
        ok = sum(1 for code, *_ in sent if code == 200)
        row(
            f"open loop at {rate:g} clicks/s: {len(jobs):,} more clicks from {total:,} new "
            "people over the same workspaces and workers, each sent at its scheduled time "
            "whether or not the earlier ones were answered, its ack timed from that time",
            f"{ok:,}/{len(jobs):,} × 200{others([(c, t) for c, t, _, _ in sent])}; "
            f"{sum(answers_now.values()):,} answers from {len(answers_now):,} people, "
            f"{sum(1 for n in answers_now.values() if n > 1)} doubled; {placed('UR')}/{teams} "
            f"workspaces with exactly their {people} in their own channel; "
            f"{wrong - wrong_before} of {checked - checked_before:,} posts and updates with "
            f"another workspace's token; ack p50 "
            f"{ms(pct(acks, 50))}, p99 {ms(pct(acks, 99))}, max {ms(max(acks, default=0))}; "
            f"sent at {len(jobs) / span:.0f} clicks/s ({span:.1f} s), the sender late by p99 "
            f"{ms(pct(late, 99))}, at worst {ms(max(late))}; {cpu.busy()}; "
            f"{tracebacks()} tracebacks",
            f"all 200, exactly {total:,}, 0, {teams}/{teams}, 0, p99 < 300 ms, sent on time",
        )

        # 3. The same again from new people, and the scheduler's leader killed mid-burst.
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


SAMPLER = ROOT / "bench" / "soaking" / "sampler.py"


#: The frames the summary's cumulative part shows: ofin's, and the libraries a click crosses.
OURS = ("bot/", "slack_bolt/", "slack_sdk/", "psycopg/", "waitress/")


def profile_summary(folder: Path, leads: list[bool], clicks: int, top: int = 25) -> None:
    """Print where each worker's CPU went (bench/soaking/sampler.py's files), per click."""
    for n, lead in enumerate(leads):
        path = folder / f"worker{n + 1}.json"
        if not path.exists():
            continue
        found = json.loads(path.read_text())
        print(
            f"\nworker {n + 1}{' (leads)' if lead else ''}: {found['cpu_seconds']:.1f} CPU s "
            f"sampled; by thread: {found['by_thread']}"
        )
        print(f"  cumulative CPU ms per click it served (of {clicks:,} over the workers):")
        ours = [(w, t) for w, t in found["cumulative"].items() if w.startswith(OURS)]
        for where, seconds in ours[:top]:
            print(f"  {seconds / clicks * 1000 * len(leads):7.3f}  {where}")
        print("  own:")
        for where, seconds in list(found["own"].items())[:top]:
            print(f"  {seconds / clicks * 1000 * len(leads):7.3f}  {where}")
