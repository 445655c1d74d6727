"""The scheduler loop of OAuth mode: one thread and a small pool for every workspace's jobs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot.ops import probes
from bot.slack.scheduler_loop import Job, SchedulerLoop


def wait_for(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return check()


class Counting:
    def __init__(self) -> None:
        self.calls = 0

    def tick(self) -> None:
        self.calls += 1


def test_a_follower_runs_no_job_but_counts_its_passes() -> None:
    job = Counting()
    loop = SchedulerLoop(0.01, leads=lambda: False)
    loop.add("T1", [Job("T1", "ofin-daily", job.tick, 0.01, "daily")])
    loop.start()
    try:
        assert wait_for(lambda: loop.sweeps.ticks >= 5)
        kinds = {k.thread_name: k for k in loop.kinds}
        assert kinds["ofin-daily"].ticks >= 3  # alive for /readyz: not stalled, not leading
        assert job.calls == 0
    finally:
        loop.stop()


def test_the_leader_runs_only_the_jobs_whose_workspace_has_that_work() -> None:
    busy, idle, always = Counting(), Counting(), Counting()
    loop = SchedulerLoop(
        0.01, leads=lambda: True, with_work=lambda: {"daily": {"T1"}, "digest": set()}
    )
    loop.add("T1", [Job("T1", "ofin-daily", busy.tick, 0.01, "daily")])
    loop.add("T2", [Job("T2", "ofin-daily", idle.tick, 0.01, "daily")])
    loop.add("", [Job("", "ofin-retention", always.tick, 0.01)])  # no kind: always runs
    loop.start()
    try:
        assert wait_for(lambda: busy.calls >= 3 and always.calls >= 3)
        assert idle.calls == 0
        daily = next(k for k in loop.kinds if k.thread_name == "ofin-daily")
        assert daily.ticks >= busy.calls + 3  # T2's passes without work count too
    finally:
        loop.stop()


def test_a_slow_job_holds_up_neither_the_sweep_nor_the_other_workspaces() -> None:
    release = threading.Event()
    slow_calls, fast = [], Counting()

    def slow() -> None:
        slow_calls.append(1)
        release.wait(10)

    loop = SchedulerLoop(0.01, leads=lambda: True, threads=2)
    loop.add("T1", [Job("T1", "ofin-daily", slow, 0.01)])
    loop.add("T2", [Job("T2", "ofin-daily", fast.tick, 0.01)])
    loop.start()
    try:
        assert wait_for(lambda: fast.calls >= 20)
        assert len(slow_calls) == 1  # still running: never started twice at once
        daily = next(k for k in loop.kinds if k.thread_name == "ofin-daily")
        # Its kind's last pass is the stuck job's: once it is late, /readyz says so.
        late = probes.stale_scheduler([daily], now=daily.last_pass + 61)
        assert late and "ofin-daily" in late
    finally:
        release.set()
        loop.stop()


def test_the_sweep_starts_installed_workspaces_and_stops_uninstalled_ones() -> None:
    installed = [("T1", ""), ("T2", "E1")]
    started: list[tuple[str, str | None]] = []
    stopped: list[str] = []
    loop: SchedulerLoop

    def start_team(team: str, enterprise: str | None) -> None:
        started.append((team, enterprise))
        loop.add(team, [Job(team, "ofin-daily", lambda: None, 0.01)])

    def stop_team(team: str) -> None:
        stopped.append(team)
        loop.remove(team)

    loop = SchedulerLoop(
        0.01,
        leads=lambda: True,
        installed=lambda: list(installed),
        start_team=start_team,
        stop_team=stop_team,
    )
    loop.sweep()
    assert started == [("T1", None), ("T2", "E1")] and loop.teams() == ["T1", "T2"]
    installed.pop(0)  # T1 uninstalled ofin (in any worker)
    loop.sweep()  # within the interval: the workspaces are not read again yet
    assert stopped == []
    time.sleep(0.02)
    loop.sweep()
    assert stopped == ["T1"] and loop.teams() == ["T2"]
    time.sleep(0.02)
    loop.sweep()
    assert started == [("T1", None), ("T2", "E1")]  # each started once
    loop.stop()


def test_a_follower_starts_installed_workspaces_but_runs_none_of_their_jobs() -> None:
    """A workspace's first request at a follower finds it started (no start before its ack);
    on taking the lead, the loop reads the work at once and runs the jobs."""
    installed = [("T1", ""), ("T2", "")]
    job, leading, asked = Counting(), [False], []
    loop: SchedulerLoop

    def start_team(team: str, enterprise: str | None) -> None:
        loop.add(team, [Job(team, "ofin-daily", job.tick, 0.01, "daily")])

    def with_work() -> dict[str, set[str]]:
        asked.append(1)
        return {"daily": {"T1"}}

    loop = SchedulerLoop(
        10.0,
        leads=lambda: leading[0],
        installed=lambda: list(installed),
        start_team=start_team,
        stop_team=lambda team: loop.remove(team),
        with_work=with_work,
    )
    loop.sweep()
    assert loop.teams() == ["T1", "T2"]
    assert job.calls == 0 and asked == []  # a follower reads no work and runs nothing
    installed.pop(0)
    loop.sweep()  # within the interval: not read again
    assert loop.teams() == ["T1", "T2"]
    leading[0] = True
    loop.sweep()  # took the lead: the workspaces and their work are read at once
    assert loop.teams() == ["T2"] and asked == [1]
    loop.stop()


def test_a_database_outage_stops_no_sweep(caplog) -> None:
    from bot.store import StoreUnavailable

    calls: list[int] = []
    started: list[str] = []

    def installed() -> list[tuple[str, str]]:
        calls.append(1)
        if len(calls) <= 2:
            raise StoreUnavailable("the database at … is gone")  # the store logged it, once
        return [("T1", "")]

    loop = SchedulerLoop(
        0.01,
        leads=lambda: True,
        installed=installed,
        start_team=lambda team, enterprise: started.append(team),
    )
    loop.start()
    try:
        assert wait_for(lambda: "T1" in started)  # back at the first sweep it answers
    finally:
        loop.stop()
    assert "Traceback" not in caplog.text and "sweep failed" not in caplog.text
