"""Where the machine's CPU went during a burst: the workers, PostgreSQL, the stand-in, the client,
and everything else on the machine (read from /proc)."""

from __future__ import annotations

import os
import time

from soaking.common import CORES
from soaking.fake import RemoteFake
from tests.e2e.harness import OfinProcess

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

    def busy(self) -> str:
        """How busy the cores were, and who kept them busy: the open loop's context."""
        used = dict(self.used)
        wall, machine = used.pop("wall"), used.pop("machine")
        ours = sum(used.values())
        parts = ", ".join(f"{name} {seconds:.1f}" for name, seconds in used.items())
        return (
            f"cores busy {machine / (wall * len(CORES)):.0%} of {wall:.1f} s: ours "
            f"{ours:.1f} CPU s ({parts}), other jobs {max(0.0, machine - ours):.1f} s"
        )
