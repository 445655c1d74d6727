"""In OAuth mode, each installed workspace's Core: its store view, its Slack client, its schedulers.

A workspace's Core is wired at its first request in this worker (its Slack helpers, the
publishers of ``daily now`` and ``digest now``), or when the worker's scheduler loop meets it
(bot/slack/scheduler_loop.py: one loop per worker, over every installed workspace, in every
worker; only the one that leads the schedulers runs their jobs). Its scheduler jobs post with its
own token and read and write its own rows only; they stop when the workspace uninstalls ofin.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import NamedTuple, cast

from slack_bolt import App
from slack_sdk import WebClient

from bot.commands.core import Core
from bot.ops.probes import Scheduler
from bot.slack.installations import StoreInstallations
from bot.slack.oauth import InstalledClient
from bot.slack.scheduler_loop import Job, SchedulerLoop
from bot.slack.ticker import Ticker
from bot.store.installations import Installations

logger = logging.getLogger(__name__)


class _ClientOnly(NamedTuple):
    """What wire_schedulers reads of an App: the Web API client it posts with."""

    client: WebClient


class TeamCores:
    """Each workspace's Core view, wired to Slack with that workspace's token."""

    def __init__(self, core: Core, installations: Installations) -> None:
        self.core = core  # the home view; each workspace's is core.for_team(team)
        self._installations = installations
        self._store = StoreInstallations(installations)
        self._lock = threading.Lock()  # guards the dicts below, held briefly
        self._running: dict[str, Core] = {}
        self._starting: dict[str, threading.Lock] = {}  # one per workspace being started
        self._orgs: dict[str, str] = {}  # team -> its Enterprise Grid org, when it has one
        store = core.store
        self.loop = SchedulerLoop(
            core.settings.scheduler_seconds,
            leads=store.leads_schedules,
            installed=installations.served,
            start_team=lambda team, enterprise: self.core_for(team, enterprise, seen=True),
            stop_team=self.stop,
            with_work=store.scheduled_work.teams,
        )

    @property
    def schedulers(self) -> Sequence[Scheduler]:
        """What /healthz/ticks and /readyz read: the loop's sweeps and each kind of job."""
        return self.loop.kinds

    def core_for(
        self, team_id: str, enterprise_id: str | None = None, *, seen: bool = False
    ) -> Core:
        """The workspace's Core; wired, and its jobs given to the loop, the first time.

        Every request asks, before its ack: a running workspace's is a dict lookup, and starting
        one (a database write) holds up only that workspace's first requests, not every other
        workspace's (one lock for all made a burst's first clicks queue behind each workspace's
        start in turn: seconds, measured by ``make soak-postgres``). ``seen``: the workspace is
        known served already (the loop read it so), so it is not recorded again.
        """
        running = self._running.get(team_id)
        if running is not None:
            return running
        with self._lock:
            starting = self._starting.setdefault(team_id, threading.Lock())
        with starting:
            running = self._running.get(team_id)
            if running is not None:  # started by the request this one waited for
                return running
            return self._start(team_id, enterprise_id, seen)

    def _start(self, team_id: str, enterprise_id: str | None, seen: bool) -> Core:
        from bot.slack.app import client_options, wire_schedulers  # app.py wires this module

        view = self.core.for_team(team_id)
        client = InstalledClient(
            self._store, self.core.settings, team_id, enterprise_id, **client_options()
        )
        if not seen:
            self._installations.seen(team_id, enterprise_id)
        runners = wire_schedulers(cast(App, _ClientOnly(client)), view)
        self.loop.add(team_id, [jobs_of(runner, team_id) for runner in runners])
        with self._lock:
            self._running[team_id] = view
            self._starting.pop(team_id, None)
            if enterprise_id:
                self._orgs[team_id] = enterprise_id
        return view

    def start(self, retention: Ticker) -> Sequence[Scheduler]:
        """Start the scheduler loop (with the retention pass as a job of its own); return what
        the probes read. The loop meets every installed workspace at its first sweep."""
        self.loop.add("", [Job("", retention.thread_name, retention.tick, retention.interval)])
        self.loop.start()
        return self.schedulers

    def stop(self, team_id: str, enterprise_id: str | None = None) -> None:
        """Stop the scheduler jobs of a workspace that uninstalled ofin (with ``team_id`` "",
        every workspace of the org ``enterprise_id``: an org-wide install went)."""
        with self._lock:
            teams = (
                [team_id] if team_id else [t for t, o in self._orgs.items() if o == enterprise_id]
            )
            for team in teams:
                self._running.pop(team, None)
                self._orgs.pop(team, None)
        for team in teams:
            self.loop.remove(team)


#: Which of bot/store/installations.py's ScheduledWork kinds each scheduler's pass starts from.
WORK_OF = {"ofin-daily": "daily", "ofin-digest": "digest", "ofin-campaigns": "campaigns"}


def jobs_of(runner: Ticker, team_id: str) -> Job:
    """The scheduler loop's job for one of a workspace's runners (never started as a thread)."""
    return Job(
        team_id,
        runner.thread_name,
        runner.tick,
        runner.interval,
        WORK_OF.get(runner.thread_name, ""),
    )


class Retention(Ticker):
    """Delete the data of workspaces that uninstalled ofin more than the retention ago."""

    thread_name = "ofin-retention"
    interval = 3600.0  # hourly: retention counts in days

    def __init__(
        self,
        installations: Installations,
        keep: timedelta,
        leads: Callable[[], bool] | None = None,
    ) -> None:
        super().__init__(leads=leads)
        self._installations = installations
        self._keep = keep

    def tick(self) -> object:
        """One pass: forget every workspace whose retention ended."""
        for team in self._installations.expired(self._keep):
            deleted = self._installations.purge(team)
            logger.info("retention ended for workspace %s: %d rows deleted", team, deleted)
        return None
