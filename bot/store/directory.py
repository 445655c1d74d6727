"""People's names and emails as Slack last gave them (migration m019), read by the reports.

One workspace's cache: keyed by (team_id, user_id), so a name is shown only where it was read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.store.db import Db, parse_ts, ts
from bot.store.people import People

MAX_IDS_PER_QUERY = 500  # SQLite's default limit on parameters is 999


@dataclass(frozen=True)
class DirectoryEntry:
    """One person as Slack described them: their name, their email (None when not visible)."""

    user_id: str
    name: str
    real_name: str | None
    email: str | None
    emails_visible: bool  # whether the token could read emails when this entry was fetched
    fetched_at: datetime


class Directory:
    """Read and write one workspace's cached names; the Slack side decides when to refresh."""

    def __init__(self, db: Db, team: str) -> None:
        self._db = db
        self._team = team
        self._people = People(db, team)  # its keyed hash keeps the forgotten out

    def save(self, entries: Iterable[DirectoryEntry]) -> int:
        """Insert or replace ``entries``, leaving out the people who asked to be forgotten."""
        forgotten = self._people.forgotten_hashes()
        rows = [
            [self._team, e.user_id, e.name, e.real_name, e.email, int(e.emails_visible)]
            + [ts(e.fetched_at)]
            for e in entries
            if self._people.user_hash(e.user_id) not in forgotten
        ]
        if not rows:
            return 0
        with self._db.write() as tx:
            tx.executemany(
                "INSERT INTO directory (team_id, user_id, name, real_name, email, "
                "emails_visible, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (team_id, user_id) DO UPDATE SET name = excluded.name, "
                "real_name = excluded.real_name, email = excluded.email, "
                "emails_visible = excluded.emails_visible, fetched_at = excluded.fetched_at",
                rows,
            )
        return len(rows)

    def lookup(self, user_ids: Iterable[str]) -> dict[str, DirectoryEntry]:
        """The cached entries of ``user_ids`` (those never fetched are missing)."""
        found: dict[str, DirectoryEntry] = {}
        ids = list(dict.fromkeys(user_ids))
        for start in range(0, len(ids), MAX_IDS_PER_QUERY):
            chunk = ids[start : start + MAX_IDS_PER_QUERY]
            marks = ",".join("?" * len(chunk))
            for row in self._db.rows(
                f"SELECT * FROM directory WHERE team_id = ? AND user_id IN ({marks})",
                [self._team, *chunk],
            ):
                found[row["user_id"]] = DirectoryEntry(
                    user_id=row["user_id"],
                    name=row["name"] or row["user_id"],
                    real_name=row["real_name"],
                    email=row["email"],
                    emails_visible=bool(row["emails_visible"]),
                    fetched_at=parse_ts(row["fetched_at"]) or datetime.min.replace(tzinfo=UTC),
                )
        return found

    def stale(self, user_ids: Iterable[str], max_age: timedelta) -> list[str]:
        """The ids whose entry is missing or older than ``max_age``, in the order given."""
        known = self.lookup(user_ids)
        oldest = self._db.clock.now() - max_age
        return [
            u for u in dict.fromkeys(user_ids) if u not in known or known[u].fetched_at < oldest
        ]
