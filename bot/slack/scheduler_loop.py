"""With OAuth installs, one scheduler loop per worker walks every installed workspace.

A worker used to start three scheduler threads per workspace (daily quiz, digest, campaign
reminders): 150 threads for 50 workspaces, each asking the database every pass whether it had
anything to do, and in the worker that leads the schedulers all of them competing with its
requests for the one interpreter lock. Now one thread sweeps: each pass it asks whether this
worker leads (bot/store/postgres.py's ``PgLeader``; on SQLite it always does), reads which
workspaces are installed and which of them have scheduled work (one query each for every
workspace, at most once an interval: ``Installations.served`` and ``ScheduledWork.teams``), and
hands each workspace's due jobs to a small fixed pool (``THREADS``), so one workspace's slow Web
API call holds up only the jobs behind it in that pool, never the sweep. A job still running is
not started again; each job waits its interval after it finished, as a scheduler thread did.

Exactly once stays where it was: every job's writes are claims in the database (daily slots,
digests, reminders), so a moment with two leaders (one dying, one taking over) does nothing
twice. A worker that does not lead counts its passes and runs no job; it still starts every
installed workspace (its Core and Slack helpers, no database write), so that a workspace's first
request there does not wait for that start: in the PostgreSQL soak the followers' first clicks
did (p99 57-120 ms in the start alone, up to 600 ms in the burst's first second) while the
leader's loop had started them all. It takes the lead at its next sweep after the leader died
(the lock went with the leader's session).

``kinds`` is what /healthz/ticks and /readyz see: one entry per kind of job (``ofin-daily``,
``ofin-digest``, ``ofin-campaigns``, ``ofin-retention``), its passes summed over workspaces, and
its ``last_pass`` the oldest of its jobs' (one stuck job makes /readyz say so). Single-workspace
mode does not use this: its three scheduler threads run as before (bot/slack/ticker.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bot.ops import metrics
from bot.ops.probes import Scheduler
from bot.slack.ticker import count_follower, leads, run_pass
from bot.store import StoreUnavailable
from bot.store.db import background

logger = logging.getLogger(__name__)

#: Jobs run at once: enough that a slow Slack call (10 s timeout) does not hold every workspace
#: up, few enough that the leader's scheduler work takes a small share of its interpreter.
THREADS = 2
#: The sweep wakes at least this often, to see new workspaces and a leader that died.
MAX_WAIT = 5.0


class Job:
    """One kind of scheduled work of one workspace (``team`` "" for the worker's own)."""

    def __init__(
        self, team: str, name: str, tick: Callable[[], object], interval: float, work: str = ""
    ) -> None:
        self.team = team
        self.name = name  # the scheduler's name: ofin-daily, ofin-digest…
        self.tick = tick
        self.interval = interval
        #: ScheduledWork's kind this job reads ("daily"…); "" when it always has work to check.
        self.work = work
        self.due = 0.0  # monotonic time of its next pass
        self.running = False
        self.last_pass = time.monotonic()
        self.ticks = 0


@dataclass
class Kind:
    """What the probes read of one kind of job, over every workspace (probes.Scheduler)."""

    thread_name: str
    interval: float
    ticks: int = 0
    jobs: list[Job] = field(default_factory=list)

    @property
    def last_pass(self) -> float:
        """The oldest of its jobs' last finished passes (now when it has none: none is late)."""
        return min((job.last_pass for job in self.jobs), default=time.monotonic())


@dataclass
class Sweeps:
    """What the probes read of the sweeping thread itself: it sweeps at least every MAX_WAIT."""

    interval: float
    thread_name: str = "ofin-schedulers"
    ticks: int = 0
    last_pass: float = field(default_factory=time.monotonic)


class SchedulerLoop:
    """One thread that runs every workspace's scheduler jobs on a small pool.

    ``leads`` says whether this worker runs the schedulers; ``installed`` lists the workspaces
    served now (team, enterprise); ``start_team`` registers a workspace's jobs (``add``) when the
    sweep meets one it has none for, and ``stop_team`` forgets one no longer installed.
    ``with_work`` says which teams have each kind of work (None: every job runs every pass).
    """

    def __init__(
        self,
        interval: float,
        *,
        leads: Callable[[], bool],
        installed: Callable[[], Iterable[tuple[str, str]]] = lambda: (),
        start_team: Callable[[str, str | None], object] = lambda team, enterprise: None,
        stop_team: Callable[[str], object] = lambda team: None,
        with_work: Callable[[], dict[str, set[str]]] | None = None,
        threads: int = THREADS,
    ) -> None:
        self.interval = interval
        self._leads = leads
        self._installed = installed
        self._start_team = start_team
        self._stop_team = stop_team
        self._with_work = with_work
        self._lock = threading.Lock()  # guards the jobs and the kinds
        self._jobs: dict[str, list[Job]] = {}  # team -> its jobs
        self.sweeps = Sweeps(min(interval, MAX_WAIT))
        #: The probes' view: the sweeping thread, then each kind of job as it first appears.
        self.kinds: list[Scheduler] = [self.sweeps]
        self._read_at = 0.0  # when the sweep reads the workspaces and their work again
        self._busy: dict[str, set[str]] | None = None
        self._leading = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ofin-scheduler")
        self._thread: threading.Thread | None = None

    # --- jobs -------------------------------------------------------------------------------

    def add(self, team: str, jobs: Sequence[Job]) -> None:
        """Run ``jobs`` for ``team`` from the next sweep on (replacing any it had)."""
        with self._lock:
            self._drop(team)
            self._jobs[team] = list(jobs)
            for job in jobs:
                self._kind(job).jobs.append(job)
        self._wake.set()

    def remove(self, team: str) -> None:
        """Stop running ``team``'s jobs (one already running finishes)."""
        with self._lock:
            self._drop(team)

    def teams(self) -> list[str]:
        """The teams whose jobs run here."""
        with self._lock:
            return sorted(self._jobs)

    def _drop(self, team: str) -> None:
        for job in self._jobs.pop(team, ()):
            kind = self._kind(job)
            kind.jobs = [j for j in kind.jobs if j is not job]

    def _kind(self, job: Job) -> Kind:
        for kind in self.kinds:
            if isinstance(kind, Kind) and kind.thread_name == job.name:
                return kind
        kind = Kind(job.name, job.interval)
        self.kinds.append(kind)
        return kind

    # --- the sweep --------------------------------------------------------------------------

    def start(self) -> None:
        """Start the sweeping thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ofin-schedulers", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop sweeping; jobs already running finish."""
        self._stop.set()
        self._wake.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before the sweep: a job that ends during it wakes the next
            try:
                with background():  # its reads never take a request's connection
                    wait = self.sweep()
            except StoreUnavailable:  # logged once by the store; the next sweep tries again
                wait = min(self.interval, MAX_WAIT)
            except Exception:  # the next sweep tries again; never a dead scheduler thread
                logger.exception("the scheduler loop's sweep failed")
                wait = min(self.interval, MAX_WAIT)
            self.sweeps.ticks += 1
            self.sweeps.last_pass = time.monotonic()
            self._wake.wait(wait)

    def sweep(self) -> float:
        """One pass over every workspace: run the jobs due; return seconds until the next is."""
        now = time.monotonic()
        leading = leads(self._leads)
        if leading != self._leading:  # on taking the lead, read its work at once
            self._leading, self._read_at = leading, 0.0
        if now >= self._read_at:  # at most once an interval: a sweep runs at each job's end too
            # A follower starts every installed workspace too, so that a workspace's first
            # request here does not wait for its start (its Core, its Slack helpers).
            self._reconcile()
            work = self._with_work if leading else None
            self._busy = work() if work is not None else None
            self._read_at = now + min(self.interval, MAX_WAIT)
        if not leading:
            self._follow()
            return min(self.interval, MAX_WAIT)
        busy = self._busy
        with self._lock:
            jobs = [job for team_jobs in self._jobs.values() for job in team_jobs]
        next_due = now + min(self.interval, MAX_WAIT)
        for job in jobs:
            if job.running:
                continue
            if job.due > now:
                next_due = min(next_due, job.due)
                continue
            if busy is not None and job.work and job.team not in busy.get(job.work, ()):
                self._count(job, "ok")  # nothing of its kind to do: a pass, done at no cost
                next_due = min(next_due, job.due)
                continue
            job.running = True
            try:
                self._pool.submit(self._run_job, job)
            except RuntimeError:  # shut down
                job.running = False
                return 0.0
        return max(0.0, next_due - time.monotonic())

    def _run_job(self, job: Job) -> None:
        try:
            run_pass(job.name, job.tick)  # counted and logged there
        finally:
            self._count(job, None)
            job.running = False
            self._wake.set()  # the sweep may be waiting on a later job than this one's next pass

    def _count(self, job: Job, outcome: str | None) -> None:
        """One pass of ``job`` finished (``outcome`` to count it as, None: counted already)."""
        job.ticks += 1
        job.last_pass = time.monotonic()
        job.due = job.last_pass + job.interval
        with self._lock:
            self._kind(job).ticks += 1
        if outcome == "follower":
            count_follower(job.name)
        elif outcome is not None:
            metrics.SCHEDULER_PASSES.labels(job.name, outcome).inc()
            metrics.SCHEDULER_LAST_SUCCESS.labels(job.name).set_to_current_time()

    def _follow(self) -> None:
        """Not leading: every job counts a pass without doing it (alive, for /readyz)."""
        with self._lock:
            jobs = [job for team_jobs in self._jobs.values() for job in team_jobs]
        for job in jobs:
            if not job.running:
                self._count(job, "follower")

    def _reconcile(self) -> None:
        """Run the jobs of every workspace installed now, and of no other."""
        installed = dict(self._installed())
        known = set(self.teams())
        for team, enterprise in installed.items():
            if team not in known:
                self._start_team(team, enterprise or None)
        for team in known - set(installed) - {""}:
            self._stop_team(team)
