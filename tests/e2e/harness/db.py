"""Read the bot's SQLite file from a test, read-only (safe while the bot writes in WAL mode)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def db_rows(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of ``sql`` run against the database at ``path``."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
