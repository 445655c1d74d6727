"""The report as files: CSV (one row per person, or per answer) and JSON. HTML: report_html.py."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

from bot.training.names import Names
from bot.training.report import Report

PEOPLE_COLUMNS = (
    "user_id",
    "name",
    "email",
    "status",
    "answered",
    "daily_answered",
    "practice_answered",
    "correct",
    "accuracy_pct",
    "categories_covered",
    "categories_total",
    "first_activity_utc",
    "last_activity_utc",
    "current_streak",
)
ANSWER_COLUMNS = (
    "user_id",
    "name",
    "email",
    "answered_at",
    "kind",
    "channel_id",
    "question_id",
    "question_version",
    "category",
    "answer",
    "correct",
)


def people_rows(report: Report, names: Names | None = None) -> list[dict]:
    """One dict per person: those who answered, then those who answered nothing."""
    names = names or Names()
    rows = [
        {
            "user_id": p.user_id,
            "name": names.name(p.user_id),
            "email": names.email(p.user_id),
            "status": "trained",
            "answered": p.answered,
            "daily_answered": p.daily_answered,
            "practice_answered": p.practice_answered,
            "correct": p.correct,
            "accuracy_pct": p.accuracy,
            "categories_covered": p.categories_covered,
            "categories_total": report.categories_total,
            "first_activity_utc": p.first_at or "",
            "last_activity_utc": p.last_at or "",
            "current_streak": p.streak,
        }
        for p in report.people
    ]
    rows += [
        {
            "user_id": user,
            "name": names.name(user),
            "email": names.email(user),
            "status": "no answers",
            "answered": 0,
            "daily_answered": 0,
            "practice_answered": 0,
            "correct": 0,
            "accuracy_pct": "",
            "categories_covered": 0,
            "categories_total": report.categories_total,
            "first_activity_utc": "",
            "last_activity_utc": "",
            "current_streak": 0,
        }
        for user in report.inactive
    ]
    return rows


def with_names(rows: list[dict], names: Names) -> list[dict]:
    """The per-answer rows with each person's name and email beside their id."""
    return [
        {**r, "name": names.name(r["user_id"]), "email": names.email(r["user_id"])} for r in rows
    ]


def write_csv(rows: Iterable[dict], columns: tuple[str, ...], out: TextIO) -> int:
    """Write a header and ``rows``; return how many rows were written."""
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def write_json(report: Report, out: TextIO, answers: list[dict] | None = None) -> None:
    """The report (and the answers, when given) as one JSON document."""
    data = report.to_dict()
    if answers is not None:
        data["answers"] = answers
    json.dump(data, out, ensure_ascii=False, indent=2)
    out.write("\n")
