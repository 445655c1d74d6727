"""`python -m bot scores export --csv`: every quiz answer as CSV on standard output (admin tool).

One row per answer, daily and practice, oldest first. Reads the database at OFIN_DB; a missing
database is an error (exit status 1) rather than a new empty file.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from bot.store import ExportRow, ts
from bot.terminal.database import open_existing_store

COLUMNS = (
    "answered_at",
    "kind",
    "user_id",
    "channel_id",
    "source_id",
    "question_id",
    "category",
    "choice",
    "correct",
    "points",
    "response_ms",
)


def write_csv(rows: Iterable[ExportRow], out: TextIO) -> int:
    """Write the header and ``rows`` as CSV to ``out``; return how many rows were written."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        # Stored text for the time, 1/0 for correct: the columns read as they always have.
        writer.writerow(
            {**asdict(row), "answered_at": ts(row.answered_at), "correct": int(row.correct)}
        )
        count += 1
    return count


def run_export(db_path: str | Path | None = None, out: TextIO | None = None) -> int:
    """Print every answer in the database as CSV; return the exit status."""
    store = open_existing_store(db_path, "export")
    if isinstance(store, int):
        return store
    try:
        write_csv(store.scores.export_answers(), out or sys.stdout)
    finally:
        store.close()
    return 0
