"""The table as printed and as a generated docs page (docs/soak.md), with the PostgreSQL
scenario's section of its own."""

from __future__ import annotations

import argparse
import os
import subprocess
import time

from soaking.common import CORES, ROOT, ROWS, SERVER_CORES
from soaking.fake import RemoteFake


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
            f"--write {args.write}`) on {when}, serving {served(args)}; "
            f"{seconds:.0f} s; load average {load_before[0]:.1f} before, "
            f"{os.getloadavg()[0]:.1f} at the end. Three `serve` workers share one PostgreSQL 15 "
            "(a throwaway server on loopback) and the machine's cores with the load client and "
            "the Slack stand-in (nothing is pinned: three servers cannot each have a core of "
            "their own here); compare with the single-process SQLite rows above, measured with "
            "the server on a core of its own. Every worker's scheduler loop starts each installed "
            "workspace (its Core and its Slack helpers) before its first click there, the "
            "followers' too; no Web API call before an ack: requests are authorized from the "
            "stored installation. The bursts after the first are warm. The "
            "workers run their schedulers every 0.5 s, so that a takeover shows within the burst:"
            " the leader's scheduler loop passes over each of the 50 workspaces' daily quizzes "
            "every 0.5 s, 60 times what the default 30 s makes. The first burst is a closed "
            "loop, a saturation test: each of the 100 clients sends its next click when the last "
            "is answered, so the mean ack is the clients divided by the clicks per second "
            "(Little's law) however fast the server is, and the clicks per second are bounded by "
            "the cores divided by the CPU each click costs (workers, PostgreSQL, the stand-in and "
            "the client together, all on these cores); the CPU row says where the machine's CPU "
            "went during it, other jobs included. Its row measures capacity, in clicks per "
            "second; its p50 and p99 are shown but only restate that capacity, so they carry no "
            "target. The latency target, a p99 ack under 300 ms, is the open-loop row's: as many "
            f"clicks from new people offered at a fixed {args.rate:g} clicks per second "
            "(`--rate`; 250 by default, all 2,500 people answering their daily quiz twice within "
            "20 s, about half the capacity measured here), each sent at its scheduled time "
            "whether or not the earlier ones were answered, from four sender processes with "
            "threads to spare, and each ack timed from that scheduled time, so a stalled server "
            "(or client) shows in the latency instead of holding back the clicks behind it (no "
            "coordinated omission). That is the latency a person sees at a busy moment; the row "
            "also says how late the sender was and how busy the cores were (more than the rate "
            "alone suggests: clicks that overlap less share fewer live-count updates, so there "
            "are more of them, and the stand-in serves them on these cores where Slack would "
            "not). The kill row runs the closed loop again. Measured earlier, while the workers "
            "and PostgreSQL still inherited the client's one core (the other idle), the tail was "
            "the workers' own: "
            "measured per stage, 85 of the 93 slowest acks overlapped a full garbage collection"
            " of a worker's heap, which `serve` now settles once built (frozen, collected less "
            "often: bot/slack/serve.py), and the rest wait for the per-worker write pool. "
            "Timed per stage again, the followers' first clicks then waited for their "
            "workspaces' start (the leader's loop had started them all), which every worker's "
            "loop now does before the burst; a write pool of 16 on PostgreSQL, and young "
            "collections every 2,000 allocations instead of 50,000 (2-13 ms of CPU each instead "
            "of 29-36), measured no better side by side while other jobs took about half the "
            "CPU. The by-worker row shows how the tail is spread over the workers. Tracebacks "
            "here are "
            "follow-ups that failed, logged with `logger.exception`; the console shows the first.",
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
    load_after = os.getloadavg()
    return "\n".join(
        [
            "# Load and fault figures (generated)",
            "",
            f"Written by `make soak` (`python bench/soak.py {options}`) on {when}, serving "
            f"{served(args)}, on {platform.machine()} with {os.cpu_count()} cores, Python "
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


def served(args: argparse.Namespace) -> str:
    """Which code the page's figures are of: another checkout's (``--code``), or this one."""
    if args.code:
        return f"the checkout at `{args.code}` (`--code`: the code before a change)"
    return f"this checkout ({git_head()})"


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
