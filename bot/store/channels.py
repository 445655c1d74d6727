"""Which channels this database has seen: a report for any other channel is a typo, not zeros."""

from __future__ import annotations

from bot.store.db import Db

# Every table with a channel_id, each checked through an index or its primary key.
CHANNEL_TABLES = (
    "answers",
    "quiz_posts",
    "schedules",
    "practice_prompts",
    "digests",
    "campaigns",
)


class Channels:
    """Read-only questions about channel ids across the tables."""

    def __init__(self, db: Db) -> None:
        self._db = db

    def known(self, channel_id: str) -> bool:
        """True when any quiz, answer, schedule, digest or campaign names ``channel_id``."""
        checks = " UNION ALL ".join(
            f"SELECT 1 FROM (SELECT 1 FROM [{t}] WHERE channel_id = :c LIMIT 1)"
            for t in CHANNEL_TABLES
        )
        return bool(
            self._db.rows(f"SELECT EXISTS ({checks}) AS found", {"c": channel_id})[0]["found"]
        )
