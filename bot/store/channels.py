"""Which channels this workspace has used: a report for any other channel is a typo, not zeros."""

from __future__ import annotations

from bot.store.db import Db

# Every table with a channel_id (and, since m017, a team_id).
CHANNEL_TABLES = (
    "answers",
    "quiz_posts",
    "schedules",
    "practice_prompts",
    "digests",
    "campaigns",
)


class Channels:
    """Read-only questions about one workspace's channel ids across the tables."""

    def __init__(self, db: Db, team: str) -> None:
        self._db = db
        self._team = team

    def known(self, channel_id: str) -> bool:
        """True when any quiz, answer, schedule, digest or campaign names ``channel_id``."""
        checks = " UNION ALL ".join(
            f"SELECT 1 FROM (SELECT 1 FROM [{t}] WHERE team_id = :t AND channel_id = :c LIMIT 1)"
            f" AS hit"
            for t in CHANNEL_TABLES
        )
        return bool(
            self._db.rows(f"SELECT EXISTS ({checks}) AS found", {"t": self._team, "c": channel_id})[
                0
            ]["found"]
        )
