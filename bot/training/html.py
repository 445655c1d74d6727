"""The report as one self-contained, printable HTML page (no external files, scripts or fonts)."""

from __future__ import annotations

import base64
from collections import defaultdict
from datetime import timedelta
from html import escape

from bot.training.export import people_rows
from bot.training.names import Names
from bot.training.report import Report

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #16191f;
       margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: .15rem 1rem; }
dl.meta dt { font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid #c8ccd2; padding: .3rem .5rem; text-align: left; }
th { background: #eef0f3; } td.when { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.none td { color: #8a1c1c; }
img.chart { max-width: 100%; border: 1px solid #c8ccd2; }
footer { margin-top: 2rem; font-size: .9rem; color: #545b64; }
td.who { white-space: nowrap; }
/* Print: numbered pages; long tables split across pages, their header row repeated on each. */
@page { size: A4; margin: 14mm 12mm 16mm;
        @bottom-right { content: "Page " counter(page) " of " counter(pages);
                        font: 9px system-ui, sans-serif; color: #545b64; }
        @bottom-left { content: "ofin training report"; font: 9px system-ui, sans-serif;
                       color: #545b64; } }
@media print {
  body { margin: 0; max-width: none; font-size: 10px; }
  h2, h3 { break-after: avoid; }
  thead { display: table-header-group; } tfoot { display: table-footer-group; }
  table { break-inside: auto; } tr, img.chart { break-inside: avoid; }
  th, td { padding: .15rem .3rem; }
}
"""


def _cell(value: object, numeric: bool = False, when: bool = False, who: bool = False) -> str:
    text = "" if value is None else str(value)
    cls = ' class="num"' if numeric else ' class="when"' if when else ' class="who"' if who else ""
    return f"<td{cls}>{escape(text)}</td>"


def render_html(
    report: Report,
    *,
    chart_png: bytes | None = None,
    answers: list[dict] | None = None,
    names: Names | None = None,
) -> str:
    """The whole page as a string."""
    names = names or Names()
    p = report.period
    scope = f"channel {report.channel_id}" if report.channel_id else "all channels"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>ofin training report {escape(p.label)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Shared responsibility training report — {escape(p.label)}</h1>",
        '<dl class="meta">',
        f"<dt>Workspace</dt><dd>{escape(report.workspace or '—')}</dd>",
        f"<dt>Period</dt><dd>{escape(p.label)}: {p.start:%Y-%m-%d} to "
        f"{p.end - timedelta(days=1):%Y-%m-%d} (UTC days, inclusive)</dd>",
        f"<dt>Scope</dt><dd>{escape(scope)}</dd>",
        f"<dt>Generated</dt><dd>{report.generated_at:%Y-%m-%d %H:%M} UTC by ofin</dd>",
        f"<dt>People trained</dt><dd>{len(report.people)} answered; "
        f"{len(report.inactive)} answered nothing</dd>",
        f"<dt>Answers</dt><dd>{report.answered}, "
        f"{report.accuracy if report.accuracy is not None else '—'}% right</dd>",
        f"<dt>People named</dt><dd>{escape(names.note())}</dd>",
        "</dl>",
    ]
    if chart_png:
        data = base64.b64encode(chart_png).decode("ascii")
        out.append("<h2>Accuracy by category, this period vs the last</h2>")
        out.append(
            f'<img class="chart" alt="Accuracy by category, {escape(p.label)} vs '
            f'{escape(p.previous().label)}" src="data:image/png;base64,{data}">'
        )
    out.append("<h2>People</h2>")
    out.append('<table id="people"><thead><tr>')
    heads = (
        "Person",
        "Name",
        "Email",
        "Status",
        "Answered",
        "Daily",
        "Practice",
        "Right",
        "Accuracy %",
        "Categories covered",
        "First activity (UTC)",
        "Last activity (UTC)",
        "Current streak",
    )
    out.append("".join(f"<th>{h}</th>" for h in heads) + "</tr></thead><tbody>")
    for row in people_rows(report, names):
        cls = ' class="none"' if row["status"] != "trained" else ""
        out.append(
            f"<tr{cls}>"
            + _cell(row["user_id"])
            + _cell(row["name"], who=True)
            + _cell(row["email"])
            + _cell(row["status"])
            + "".join(
                _cell(row[k], True)
                for k in ("answered", "daily_answered", "practice_answered", "correct")
            )
            + _cell(row["accuracy_pct"], True)
            + _cell(f"{row['categories_covered']} of {row['categories_total']}", True)
            + _cell(row["first_activity_utc"], when=True)
            + _cell(row["last_activity_utc"], when=True)
            + _cell(row["current_streak"], True)
            + "</tr>"
        )
    out.append("</tbody></table>")
    out.append('<h2>Categories</h2><table id="categories"><thead><tr>')
    out.append("<th>Category</th><th>Answers</th><th>Right</th><th>Accuracy %</th>")
    out.append("<th>People</th></tr></thead><tbody>")
    for c in report.categories:
        out.append(
            "<tr>"
            + _cell(c.category)
            + _cell(c.answered, True)
            + _cell(c.correct, True)
            + _cell(c.accuracy, True)
            + _cell(c.people, True)
            + "</tr>"
        )
    out.append("</tbody></table>")
    if report.recall:
        out.append('<h2>Recall: questions asked again</h2><table id="recall"><thead><tr>')
        out.append("<th>Question</th><th>Channel</th><th>Asked again after</th>")
        out.append("<th>Accuracy then → now</th></tr></thead><tbody>")
        for r in report.recall:
            out.append(
                "<tr>"
                + _cell(r.question_id)
                + _cell(r.channel_id)
                + _cell(f"{r.days} days", True)
                + _cell(f"{r.accuracy_then}% → {r.accuracy_now}%", True)
                + "</tr>"
            )
        out.append("</tbody></table>")
    if answers is not None:
        out.append("<h2>Answers, per person</h2>")
        by_person: dict[str, list[dict]] = defaultdict(list)
        for a in answers:
            by_person[a["user_id"]].append(a)
        for user, rows in by_person.items():
            name = names.name(user)
            title = f"{name} ({user})" if name else user
            out.append(f"<h3>{escape(title)}</h3><table class='answers'><thead><tr>")
            out.append("<th>When (UTC)</th><th>Kind</th><th>Channel</th><th>Question</th>")
            out.append("<th>Version</th><th>Answer</th><th>Result</th></tr></thead><tbody>")
            for a in rows:
                out.append(
                    "<tr>"
                    + _cell(a["answered_at"], when=True)
                    + "".join(
                        _cell(a[k])
                        for k in (
                            "kind",
                            "channel_id",
                            "question_id",
                            "question_version",
                            "answer",
                            "correct",
                        )
                    )
                    + "</tr>"
                )
            out.append("</tbody></table>")
    source = (
        "the channel's member list in Slack"
        if report.members_source == "slack"
        else "people ofin had seen before the period ended"
    )
    out.append(
        "<footer><p>Computed from the stored answers when generated; no cached counters. "
        f'"Answered nothing" lists {escape(source)}. '
        f"{report.forgotten} {'person' if report.forgotten == 1 else 'people'} asked to be "
        "forgotten and are left out of this report.</p>"
        "<p>This report shows who answered ofin's questions and how well. It does not prove "
        "that anyone read AWS's documentation, nor that answers were given without help.</p>"
        "</footer></body></html>"
    )
    return "\n".join(out)
