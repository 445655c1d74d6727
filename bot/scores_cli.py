"""`python -m bot scores export --csv`: every quiz answer as CSV on standard output (admin tool).

One row per answer, daily and practice, oldest first. Reads the database at OFIN_DB; a missing
database is an error (exit status 1) rather than a new empty file.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from bot.config import ConfigError, from_env

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


def write_csv(rows: Iterable[dict], out: TextIO) -> int:
    """Write the header and ``rows`` as CSV to ``out``; return how many rows were written."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def run_export(db_path: str | Path | None = None, out: TextIO | None = None) -> int:
    """Print every answer in the database as CSV; return the exit status."""
    from bot.store import Store, StoreError

    if db_path is None:
        try:
            db_path = from_env().db_path
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 2
    path = Path(db_path)
    if not path.is_file():
        print(f"ofin: no database at {path} (set OFIN_DB); nothing to export", file=sys.stderr)
        return 1
    try:
        store = Store(path)
    except StoreError as exc:
        print(f"ofin: {exc} (check OFIN_DB)", file=sys.stderr)
        return 2
    try:
        write_csv(store.export_answers(), out or sys.stdout)
    finally:
        store.close()
    return 0
