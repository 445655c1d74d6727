"""The report in the console: the figures as text, and the chart saved as a PNG beside the
database (the console cannot show pictures, so it prints where the chart is)."""

from __future__ import annotations

import logging

from bot.commands.report import ReportResult, report_chart
from bot.terminal.session import Session

logger = logging.getLogger(__name__)
MAX_LINES = 40


def report_lines(result: ReportResult) -> list[str]:
    """The report as short lines of text."""
    r = result.report
    scope = f"channel {r.channel_id}" if r.channel_id else "all channels"
    accuracy = f"{r.accuracy}%" if r.accuracy is not None else "—"
    lines = [
        f"Training report {r.period.label} ({scope}): {len(r.people)} people answered "
        f"{r.answered} questions, {accuracy} right; {len(r.inactive)} answered nothing.",
        "By category:",
    ]
    lines += [
        f"  {c.category}: {c.accuracy if c.accuracy is not None else '—'}% of {c.answered} "
        f"answers, {c.people} people"
        for c in r.categories
    ]
    lines.append("People:")
    for p in r.people[:MAX_LINES]:
        lines.append(
            f"  {p.user_id}: {p.answered} answered, {p.accuracy}% right, "
            f"{p.categories_covered}/{r.categories_total} categories, streak {p.streak}"
        )
    if len(r.people) > MAX_LINES:
        lines.append(f"  … and {len(r.people) - MAX_LINES} more (python -m bot report)")
    for again in r.recall[:5]:
        lines.append(
            f"Asked again after {again.days} days: {again.question_id} "
            f"{again.accuracy_then}% → {again.accuracy_now}%"
        )
    lines.append(f"{r.forgotten} people asked to be forgotten.")
    return lines


def report_text(result: ReportResult, session: Session) -> str:
    lines = report_lines(result)
    png, title, fallback = report_chart(session.core, result.report)
    if png is not None:
        folder = session.core.store.path.parent / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"ofin-report-{result.report.period.label}.png"
        path.write_bytes(png)
        lines.append(f"Chart ({title}): {path}")
    else:
        lines.append(fallback)
    return "\n".join(lines)
