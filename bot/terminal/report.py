"""`python -m bot report`: the training report as CSV, JSON or a self-contained HTML page.

Reads the database at OFIN_DB (never creates one) and writes to standard output, so
`python -m bot report --period 2026-Q4 --format csv > evidence.csv` is the whole workflow.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.terminal.database import open_existing_store
from bot.training.periods import PeriodError, parse_period

if TYPE_CHECKING:
    from bot.store import Store
    from bot.training.report import Report


def run_report(
    *,
    period_text: str | None,
    fmt: str,
    answers: bool,
    channel_id: str | None = None,
    workspace: str = "",
    chart: bool = True,
    db_path: str | Path | None = None,
    out: TextIO | None = None,
) -> int:
    """Build the report and print it in ``fmt`` (csv, json or html); return the exit status."""
    from bot.kb.loader import load_or_report
    from bot.training.export import (
        ANSWER_COLUMNS,
        PEOPLE_COLUMNS,
        people_rows,
        with_names,
        write_csv,
        write_json,
    )
    from bot.training.names import names_for
    from bot.training.report import answer_rows, build_report

    out = out or sys.stdout
    store = open_existing_store(db_path, "report")
    if isinstance(store, int):
        return store
    try:
        try:
            period = parse_period(period_text, store.clock.now(), default="quarter")
        except PeriodError as exc:
            print(f"ofin: {exc}", file=sys.stderr)
            return 2
        kb = load_or_report()
        if kb is None:
            return 2
        if channel_id and not store.channels.known(channel_id):
            print(
                f"ofin: no channel {channel_id} in this database: no quiz, answer or schedule was "
                "ever recorded there. Check the id (Slack: channel details, at the bottom).",
                file=sys.stderr,
            )
            return 2
        report = build_report(store, kb, period, channel_id=channel_id, workspace=workspace)
        names = names_for(store, [*(p.user_id for p in report.people), *report.inactive])
        rows = answer_rows(store, period, channel_id) if answers else None
        if rows is not None:
            rows = with_names(rows, names)
        if fmt == "csv":
            if rows is not None:
                write_csv(rows, ANSWER_COLUMNS, out)
            else:
                write_csv(people_rows(report, names), PEOPLE_COLUMNS, out)
        elif fmt == "json":
            write_json(report, out, rows)
        else:
            from bot.training.html import render_html

            png = _chart(store, report) if chart else None
            out.write(render_html(report, chart_png=png, answers=rows, names=names))
    finally:
        store.close()
    return 0


def _chart(store: Store, report: Report) -> bytes:
    """The PNG chart of the report's period against the one before."""
    from bot.training.chart import render_chart
    from bot.training.report import category_totals

    previous = report.period.previous()
    this = category_totals(store, report.period, report.channel_id)
    last = category_totals(store, previous, report.channel_id)
    return render_chart(this, last, report.period.label, previous.label)
