"""Saved stacks and the owners of their duties (migration m010), keyed by workspace and name."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.db import Db


@dataclass(frozen=True)
class SavedStack:
    """A stack someone saved: its services, who saved it, and the owners of its duties."""

    team_id: str
    name: str
    services: tuple[str, ...]
    saved_by: str | None
    owners: dict[str, str]  # duty key -> owner's user id


class StackStore:
    """Read and write saved stacks and duty owners."""

    def __init__(self, db: Db, team: str) -> None:
        self._db = db
        self._team = team

    def get(self, name: str) -> SavedStack | None:
        """The saved stack, with its duty owners, or None."""
        rows = self._db.rows(
            "SELECT * FROM stacks WHERE team_id = ? AND name = ?", [self._team, name]
        )
        if not rows:
            return None
        row = rows[0]
        owners = self._db.rows(
            "SELECT duty, owner_id FROM duty_owners WHERE team_id = ? AND stack = ?",
            [self._team, name],
        )
        return SavedStack(
            team_id=self._team,
            name=name,
            services=tuple(s for s in row["services"].split(",") if s),
            saved_by=row["saved_by"],
            owners={r["duty"]: r["owner_id"] for r in owners},
        )

    def names(self) -> list[str]:
        """The workspace's saved stack names, sorted."""
        rows = self._db.rows(
            "SELECT name FROM stacks WHERE team_id = ? ORDER BY name", [self._team]
        )
        return [r["name"] for r in rows]

    def save(self, name: str, services: list[str], user_id: str) -> None:
        """Create the stack, or replace its services (its saver and duty owners stay)."""
        now = self._db.now()
        with self._db.write() as db:
            db.execute(
                "INSERT INTO stacks (team_id, name, services, saved_by, saved_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (team_id, name) DO UPDATE SET "
                "services = excluded.services, updated_at = excluded.updated_at",
                [self._team, name, ",".join(services), user_id, now, now],
            )

    def assign(self, name: str, duty: str, owner_id: str, by: str) -> None:
        """Make ``owner_id`` the owner of one duty of a saved stack."""
        with self._db.write() as db:
            db.execute(
                "INSERT INTO duty_owners (team_id, stack, duty, owner_id, assigned_by, assigned_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (team_id, stack, duty) DO UPDATE SET "
                "owner_id = excluded.owner_id, assigned_by = excluded.assigned_by, "
                "assigned_at = excluded.assigned_at",
                [self._team, name, duty, owner_id, by, self._db.now()],
            )

    def duties_of(self, owner_id: str) -> list[tuple[str, str]]:
        """(stack name, duty key) of every duty ``owner_id`` owns in the workspace."""
        rows = self._db.rows(
            "SELECT stack, duty FROM duty_owners WHERE team_id = ? AND owner_id = ? "
            "ORDER BY stack, assigned_at",
            [self._team, owner_id],
        )
        return [(r["stack"], r["duty"]) for r in rows]
