"""Installations of ofin by OAuth (one per workspace, or per Enterprise Grid org), OAuth states,
and the workspaces whose data is kept for a while after they uninstalled ofin.

Slack-free: rows are plain records; bot/slack/installations.py adapts them to Bolt's
InstallationStore and OAuthStateStore. Keys: an org-wide install is (enterprise_id, ""), a
workspace install (enterprise_id or "", team_id).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from bot.store.db import Db, Tx, parse_required_ts, parse_ts, ts
from bot.store.workspaces import WORKSPACE_TABLES


@dataclass(frozen=True)
class InstallationRow:
    """What Slack gave ofin when a workspace (or an org) installed it: the bot's token and who."""

    enterprise_id: str  # "" outside Enterprise Grid
    team_id: str  # "" for an org-wide install
    is_enterprise_install: bool
    bot_token: str
    bot_id: str | None = None
    bot_user_id: str | None = None
    bot_scopes: str = ""  # comma-separated
    bot_refresh_token: str | None = None  # token rotation on
    bot_token_expires_at: int | None = None  # epoch seconds
    app_id: str | None = None
    team_name: str | None = None
    enterprise_name: str | None = None
    enterprise_url: str | None = None
    installer_user_id: str | None = None
    token_type: str | None = None
    installed_at: datetime | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> InstallationRow:
        """Build from an installations row."""
        values = {f.name: row[f.name] for f in fields(cls)}
        values["is_enterprise_install"] = bool(row["is_enterprise_install"])
        values["installed_at"] = parse_ts(row["installed_at"])
        return cls(**values)


@dataclass(frozen=True)
class WorkspaceRow:
    """A workspace ofin served by OAuth; ``uninstalled_at`` starts its data's retention."""

    team_id: str
    enterprise_id: str
    first_seen: datetime
    uninstalled_at: datetime | None


_SEEN = (
    "INSERT INTO workspaces (team_id, enterprise_id, first_seen) VALUES (?, ?, ?) "
    "ON CONFLICT (team_id) DO NOTHING"
)


#: Seconds a worker reuses an installation it read: every request (its authorization) and every
#: Web API call of a workspace's client asks for one, and reading it each time was a query per
#: request and per call. A save or a delete in this worker clears the cache at once; one in
#: another worker (an uninstall event it received) shows here within this time.
CACHE_SECONDS = 5.0
#: A token that expires within this is never served from the cache: token rotation refreshes it
#: (Bolt's authorization from 2 hours before its expiry), maybe in another worker, and the fresh
#: row must be read to see the new token. Tokens without rotation never expire.
FRESH_BEFORE_EXPIRY = 3 * 3600


def _key(enterprise_id: str | None, team_id: str | None, org_wide: bool) -> tuple[str, str]:
    return (enterprise_id or "", "" if org_wide else (team_id or ""))


class Installations:
    """Save, find and delete installations; issue and consume OAuth states; track workspaces."""

    def __init__(self, db: Db) -> None:
        self._db = db
        self._cache: dict[tuple[str, str, bool], tuple[float, InstallationRow]] = {}
        self._cache_lock = threading.Lock()

    # --- installations ----------------------------------------------------------------------

    def save(self, row: InstallationRow) -> None:
        """Store an installation (a new install, a reinstall, or refreshed tokens)."""
        enterprise_id, team_id = _key(row.enterprise_id, row.team_id, row.is_enterprise_install)
        values = {f.name: getattr(row, f.name) for f in fields(row)}
        values |= {
            "enterprise_id": enterprise_id,
            "team_id": team_id,
            "is_enterprise_install": int(row.is_enterprise_install),
            "installed_at": ts(row.installed_at or self._db.clock.now()),
        }
        columns = ", ".join(values)
        updates = ", ".join(
            f"{c} = excluded.{c}" for c in values if c not in ("enterprise_id", "team_id")
        )
        with self._changing(), self._db.write() as db:
            db.execute(
                f"INSERT INTO installations ({columns}) VALUES ({', '.join('?' * len(values))}) "
                f"ON CONFLICT (enterprise_id, team_id) DO UPDATE SET {updates}",
                list(values.values()),
            )
            if not row.is_enterprise_install and team_id:
                self._seen(db, team_id, enterprise_id, reinstalled=True)
            elif enterprise_id:
                db.execute(
                    "UPDATE workspaces SET uninstalled_at = NULL WHERE enterprise_id = ?",
                    [enterprise_id],
                )

    def find(
        self, enterprise_id: str | None, team_id: str | None, *, org_wide: bool = False
    ) -> InstallationRow | None:
        """The installation that serves this workspace: its own, else its org's (Grid).

        Read from the database at most every CACHE_SECONDS per workspace (see there); a missing
        one is never cached, so a new install is found at once.
        """
        cache_key = (enterprise_id or "", team_id or "", org_wide)
        now = time.monotonic()
        with self._cache_lock:
            cached = self._cache.get(cache_key)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        found = self._find(enterprise_id, team_id, org_wide=org_wide)
        expires = found.bot_token_expires_at if found else None
        if found is not None and (expires is None or expires - time.time() > FRESH_BEFORE_EXPIRY):
            with self._cache_lock:
                self._cache[cache_key] = (now, found)
        return found

    def _forget_cached(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """Around a write that changes installations: the cache is cleared before it, and again
        once it has committed (a read racing the write may have cached the row as it was)."""
        self._forget_cached()
        try:
            yield
        finally:
            self._forget_cached()

    def _find(
        self, enterprise_id: str | None, team_id: str | None, *, org_wide: bool
    ) -> InstallationRow | None:
        keys = [_key(enterprise_id, team_id, org_wide)]
        if enterprise_id:
            keys.append((enterprise_id, ""))  # an org-wide install serves every workspace in it
        for key in keys:
            rows = self._db.rows(
                "SELECT * FROM installations WHERE enterprise_id = ? AND team_id = ?", list(key)
            )
            if rows:
                return InstallationRow.from_row(rows[0])
        return None

    def all(self) -> list[InstallationRow]:
        """Every installation, oldest first."""
        rows = self._db.rows("SELECT * FROM installations ORDER BY installed_at, team_id")
        return [InstallationRow.from_row(r) for r in rows]

    def delete(
        self, enterprise_id: str | None, team_id: str | None, *, org_wide: bool = False
    ) -> int:
        """Delete the installation (uninstalled, or tokens revoked): its data's retention starts.

        Returns how many installations were deleted.
        """
        enterprise, team = _key(enterprise_id, team_id, org_wide)
        now = self._db.now()
        with self._changing(), self._db.write() as db:
            deleted = db.execute(
                "DELETE FROM installations WHERE enterprise_id = ? AND team_id = ?",
                [enterprise, team],
            ).rowcount
            if team:
                self._seen(db, team, enterprise)
                db.execute(
                    "UPDATE workspaces SET uninstalled_at = ? WHERE team_id = ?", [now, team]
                )
            elif enterprise:
                db.execute(
                    "UPDATE workspaces SET uninstalled_at = ? WHERE enterprise_id = ?",
                    [now, enterprise],
                )
        return int(deleted)

    # --- OAuth states -----------------------------------------------------------------------

    def issue_state(self, lifetime: timedelta) -> str:
        """A new OAuth state, valid for ``lifetime`` (it binds a consent to this install page)."""
        state = secrets.token_urlsafe(24)
        self._db.execute(
            "INSERT INTO oauth_states (state, expires_at) VALUES (?, ?)",
            [state, ts(self._db.clock.now() + lifetime)],
        )
        return state

    def consume_state(self, state: str) -> bool:
        """True once for a state issued here and not yet expired; it cannot be used again."""
        now = self._db.now()
        with self._db.write() as db:
            db.execute("DELETE FROM oauth_states WHERE expires_at <= ?", [now])
            return bool(db.execute("DELETE FROM oauth_states WHERE state = ?", [state]).rowcount)

    # --- workspaces and their data's retention ----------------------------------------------

    def seen(self, team_id: str, enterprise_id: str | None) -> None:
        """Remember a workspace ofin serves (its data is kept until it uninstalls ofin).

        One statement, so no write transaction: on PostgreSQL that would wait for every other
        worker's (the write lock), and a workspace's first request asks this before its ack.
        """
        self._db.execute(_SEEN, [team_id, enterprise_id or "", self._db.now()])

    def _seen(self, db: Tx, team_id: str, enterprise_id: str, reinstalled: bool = False) -> None:
        db.execute(_SEEN, [team_id, enterprise_id, self._db.now()])
        if reinstalled:
            db.execute("UPDATE workspaces SET uninstalled_at = NULL WHERE team_id = ?", [team_id])

    def workspaces(self) -> list[WorkspaceRow]:
        """Every workspace ofin served, by team id."""
        rows = self._db.rows("SELECT * FROM workspaces ORDER BY team_id")
        return [
            WorkspaceRow(
                r["team_id"],
                r["enterprise_id"],
                parse_required_ts(r["first_seen"]),
                parse_ts(r["uninstalled_at"]),
            )
            for r in rows
        ]

    def served(self) -> list[tuple[str, str]]:
        """The workspaces ofin serves now, (team id, enterprise id or ""), by team id: installed
        on their own or through their org's install (seen since), and not uninstalled."""
        rows = self._db.rows(
            "SELECT team_id, enterprise_id FROM workspaces WHERE uninstalled_at IS NULL "
            "ORDER BY team_id"
        )
        return [(r["team_id"], r["enterprise_id"]) for r in rows]

    def expired(self, keep: timedelta) -> list[str]:
        """Workspaces that uninstalled ofin more than ``keep`` ago (their data is due to go)."""
        cutoff = ts(self._db.clock.now() - keep)
        rows = self._db.rows(
            "SELECT team_id FROM workspaces WHERE uninstalled_at IS NOT NULL "
            "AND uninstalled_at < ? ORDER BY team_id",
            [cutoff],
        )
        return [r["team_id"] for r in rows]

    def forget_workspace(self, team_id: str) -> int:
        """Delete every row of the workspace's data; return how many.

        Its installation stays: an admin who makes ofin forget the workspace still has it.
        """
        with self._db.write() as db:
            return self._delete_data(db, team_id)

    def purge(self, team_id: str) -> int:
        """The end of an uninstalled workspace's retention: its data goes, and its record."""
        with self._changing(), self._db.write() as db:
            deleted = self._delete_data(db, team_id)
            db.execute("DELETE FROM installations WHERE team_id = ?", [team_id])
            db.execute("DELETE FROM workspaces WHERE team_id = ?", [team_id])
        return deleted

    @staticmethod
    def _delete_data(db: Tx, team_id: str) -> int:
        deleted = 0
        # answers first: they refer to quiz_posts
        for table in sorted(WORKSPACE_TABLES, key=lambda t: t != "answers"):
            deleted += db.execute(f"DELETE FROM [{table}] WHERE team_id = ?", [team_id]).rowcount
        return int(deleted)


class ScheduledWork:
    """Which workspaces have scheduled work, in one read for every workspace.

    The scheduler loop (bot/slack/scheduler_loop.py) visits only these: a workspace without any
    of these rows has nothing for that scheduler's pass to do, and asking each workspace in turn
    was several queries per workspace per pass. Each kind reads exactly the rows its pass starts
    from: ``daily`` the schedules that are on and the posts not yet closed and revealed
    (bot/quiz/daily.py's ``run_pass``), ``digest`` the digests that are on, ``campaigns`` the
    running campaigns.
    """

    def __init__(self, db: Db) -> None:
        self._db = db

    def teams(self) -> dict[str, set[str]]:
        """Each kind of scheduled work ("daily", "digest", "campaigns"): the teams with some."""
        rows = self._db.rows(
            "SELECT 'daily' AS kind, team_id FROM schedules WHERE enabled = 1 "
            "UNION SELECT 'daily', team_id FROM quiz_posts "
            "WHERE status IN ('posting', 'open') OR (status = 'closed' AND revealed = 0) "
            "UNION SELECT 'digest', team_id FROM digests WHERE enabled = 1 "
            "UNION SELECT 'campaigns', team_id FROM campaigns WHERE enabled = 1"
        )
        found: dict[str, set[str]] = {"daily": set(), "digest": set(), "campaigns": set()}
        for row in rows:
            found[str(row["kind"])].add(str(row["team_id"]))
        return found
