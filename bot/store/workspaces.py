"""Which workspace a database serves: its home workspace, and adopting rows no workspace owned."""

from __future__ import annotations

import logging

from bot.store.db import Db
from bot.store.migrations import KEYED_BY_TEAM_SINCE_MADE, WORKSPACE_KEYS

logger = logging.getLogger(__name__)

#: Every table whose rows belong to one workspace (a team_id column), the migrations' own lists:
#: those m017 keyed, and those made keyed later (the names cache).
WORKSPACE_TABLES: tuple[str, ...] = (*WORKSPACE_KEYS, *KEYED_BY_TEAM_SINCE_MADE)


def home_team(db: Db) -> str:
    """The workspace a single-workspace ofin serves, or "" while no start in Slack named it."""
    rows = db.rows("SELECT value FROM meta WHERE key = 'home_team'")
    return str(rows[0]["value"]) if rows and rows[0]["value"] else ""


def adopt(db: Db, team: str) -> int:
    """Record ``team`` as the home workspace and give it every row of no workspace ("").

    A row the workspace already has under the same key (met in Slack and on the console, say)
    keeps its Slack version; the unowned copy stays unowned. Returns the rows moved.
    """
    if not team:
        raise ValueError("a workspace needs a team id")
    moved = 0
    with db.write() as conn:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('home_team', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [team],
        )
        for table in WORKSPACE_TABLES:
            cursor = conn.execute(
                f"UPDATE OR IGNORE [{table}] SET team_id = ? WHERE team_id = ''", [team]
            )
            moved += cursor.rowcount
    if moved:
        logger.info("gave %d rows of no workspace to the home workspace %s", moved, team)
    return moved
