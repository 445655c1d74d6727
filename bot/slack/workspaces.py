"""In OAuth mode, each installed workspace's Core: its store view, its Slack client, its schedulers.

Started at once for every installation when the server starts, and for a new one at its first
request; stopped when the workspace uninstalls ofin. A workspace's schedulers post with its own
token and read and write its own rows only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import NamedTuple, cast

from slack_bolt import App
from slack_sdk import WebClient

from bot.commands.core import Core
from bot.slack.installations import StoreInstallations
from bot.slack.oauth import InstalledClient
from bot.slack.ticker import Ticker
from bot.store.installations import Installations

logger = logging.getLogger(__name__)


class _ClientOnly(NamedTuple):
    """What start_background reads of an App: the Web API client it posts with."""

    client: WebClient


class TeamCores:
    """Each workspace's Core view, wired to Slack with that workspace's token."""

    def __init__(self, core: Core, installations: Installations) -> None:
        self.core = core  # the home view; each workspace's is core.for_team(team)
        self._installations = installations
        self._store = StoreInstallations(installations)
        self._lock = threading.Lock()  # guards the dicts and the list below, held briefly
        self._running: dict[str, tuple[Core, tuple[Ticker, ...]]] = {}
        self._starting: dict[str, threading.Lock] = {}  # one per workspace being started
        self._orgs: dict[str, str] = {}  # team -> its Enterprise Grid org, when it has one
        #: Every running scheduler thread, for /healthz/ticks and /readyz (grows as teams start).
        self.schedulers: list[Ticker] = []

    def core_for(self, team_id: str, enterprise_id: str | None = None) -> Core:
        """The workspace's Core; its schedulers start the first time it is asked for.

        Every request asks, before its ack: a running workspace's is a dict lookup, and starting
        one (a database write, three threads) holds up only that workspace's first requests, not
        every other workspace's (one lock for all made a burst's first clicks queue behind each
        workspace's start in turn: seconds, measured by ``make soak-postgres``).
        """
        running = self._running.get(team_id)
        if running is not None:
            return running[0]
        with self._lock:
            starting = self._starting.setdefault(team_id, threading.Lock())
        with starting:
            running = self._running.get(team_id)
            if running is not None:  # started by the request this one waited for
                return running[0]
            return self._start(team_id, enterprise_id)

    def _start(self, team_id: str, enterprise_id: str | None) -> Core:
        from bot.slack.app import client_options, start_background  # app.py wires this module

        view = self.core.for_team(team_id)
        client = InstalledClient(
            self._store, self.core.settings, team_id, enterprise_id, **client_options()
        )
        self._installations.seen(team_id, enterprise_id)
        tickers = start_background(cast(App, _ClientOnly(client)), view)
        with self._lock:
            self._running[team_id] = (view, tickers)
            self._starting.pop(team_id, None)
            if enterprise_id:
                self._orgs[team_id] = enterprise_id
            self.schedulers.extend(tickers)
        return view

    def start_installed(self) -> list[Ticker]:
        """Start every installed workspace's schedulers (at server start); return them all."""
        for row in self._installations.all():
            if row.team_id:
                self.core_for(row.team_id, row.enterprise_id or None)
        return self.schedulers

    def stop(self, team_id: str, enterprise_id: str | None = None) -> None:
        """Stop the schedulers of a workspace that uninstalled ofin (with ``team_id`` "", every
        workspace of the org ``enterprise_id``: an org-wide install went)."""
        with self._lock:
            teams = (
                [team_id] if team_id else [t for t, o in self._orgs.items() if o == enterprise_id]
            )
            stopped = [self._running.pop(t, None) for t in teams]
            for team in teams:
                self._orgs.pop(team, None)
        for running in stopped:
            for ticker in running[1] if running else ():
                ticker.stop()
                if ticker in self.schedulers:
                    self.schedulers.remove(ticker)


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
