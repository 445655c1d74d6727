"""What every scenario shares: where things are, the run's options, the table's rows, percentiles,
waiting, and which cores the server and the client get."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "bench" / "soak.py"  # the stand-in's process runs it with --serve-fake


@dataclass
class RunOptions:
    """What the command line chose for every scenario."""

    code: Path | None = None  # --code: serve another checkout of ofin (the "before" of a change)
    profile: Path | None = None  # --profile DIR: the PostgreSQL workers run under the sampler


RUN = RunOptions()


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
