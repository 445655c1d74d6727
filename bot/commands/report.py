"""`/ofin report [month|quarter|YYYY-MM|YYYY-Qn] [#channel]` (admins): the training report.

Slack-free. The Slack app may set three helpers on the Core: ``members_of``
(channel id -> member ids, or None; UnknownChannel when Slack has no such channel) so that
"answered nothing" lists the channel's real members, ``deliver_chart`` (caller, build) that calls
``build() -> (png, title, text)`` later and sends the chart to the admin's DM, and
``refresh_names`` (user ids) that caches people's names before ``export_report`` writes the files.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.commands.core import Caller, Core, subcommand
from bot.commands.results import Notice
from bot.training.periods import PeriodError, looks_like_period, parse_period
from bot.training.report import Report, build_report

logger = logging.getLogger(__name__)

DEFAULT_PERIOD = "month"
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")

MembersOf = Callable[[str], "list[str] | None"]


class UnknownChannel(Exception):
    """Slack has no channel with that id (or ofin cannot see it: a private one it is not in)."""


def unknown_channel_notice(channel_id: str) -> Notice:
    """The plain message for a report on a channel Slack does not know."""
    return Notice(
        f"I can't find the channel {channel_id}. Pick it from Slack's list (type # and choose "
        "it); for a private channel, invite me first (/invite @ofin).",
        kind="error",
    )


@dataclass(frozen=True)
class ReportResult:
    """The report, for the front end to render (Slack: Block Kit; console: text)."""

    report: Report


def _is_channel_word(word: str) -> bool:
    return word.startswith("#") or bool(_CHANNEL_ID.match(word)) or word.lower() == "all"


def _accepts(args: str) -> bool:
    words = args.split()
    return len(words) <= 2 and all(looks_like_period(w) or _is_channel_word(w) for w in words)


def resolve_channel(caller: Caller, word: str) -> str | None:
    """The channel id a word names: a linked channel, "#name" of one, or a bare id."""
    name = word.lstrip("#").lower()
    if name in caller.channel_refs:
        return caller.channel_refs[name]
    if _CHANNEL_ID.match(word.lstrip("#")):
        return word.lstrip("#")
    return None


def make_report(core: Core, caller: Caller, args: str) -> ReportResult | Notice:
    """Parse the arguments and build the report (members from Slack when it can say)."""
    period_word, channel_id = None, None
    for word in args.split():
        if looks_like_period(word):
            period_word = word
        elif word.lower() != "all":
            channel_id = resolve_channel(caller, word)
            if channel_id is None:
                return Notice(
                    f"I don't know the channel {word}. Pick it from Slack's list (type # and "
                    "choose it), so that I get its id.",
                    kind="error",
                )
    built = _build(core, period_word, channel_id, default=DEFAULT_PERIOD)
    if isinstance(built, Notice):
        return built
    report, _ = built
    deliver = core.deliver_chart
    if deliver is not None:
        # The front end draws and sends the chart after the report is shown (it takes a second).
        deliver(caller, lambda: report_chart(core, report))
    return ReportResult(report)


def _build(
    core: Core, period_word: str | None, channel_id: str | None, default: str = "month"
) -> tuple[Report, list[str] | None] | Notice:
    """The report of a period (and channel) with the members Slack gave for it, or why not."""
    try:
        period = parse_period(period_word, core.store.clock.now(), default=default)
    except PeriodError as exc:
        return Notice(str(exc), kind="error")
    members = None
    if channel_id and core.members_of is not None:
        try:
            members = core.members_of(channel_id)
        except UnknownChannel:
            return unknown_channel_notice(channel_id)
    report = build_report(core.store, core.kb, period, channel_id=channel_id, members=members)
    return report, members


def report_chart(core: Core, report: Report) -> tuple[bytes | None, str, str]:
    """(PNG or None when drawing failed, title, the same as text) for the report's period."""
    from bot.training.chart import chart_text, render_chart
    from bot.training.report import category_totals

    previous = report.period.previous()
    this = category_totals(core.store, report.period, report.channel_id)
    last = category_totals(core.store, previous, report.channel_id)
    title = f"Accuracy by category, {report.period.label} vs {previous.label}"
    fallback = chart_text(this, last, report.period.label, previous.label)
    try:
        png: bytes | None = render_chart(this, last, report.period.label, previous.label)
    except Exception:
        logger.exception("could not draw the report chart")
        png = None
    return png, title, fallback


@subcommand(
    "report",
    admin=True,
    usage="report [month|quarter|YYYY-MM|YYYY-Qn] [#channel]",
    help="Training evidence for a period: who answered, how well, who did not.",
    accepts=_accepts,
)
def report_command(core: Core, caller: Caller, args: str) -> ReportResult | Notice:
    return make_report(core, caller, args)


# --- the Download: the full report as files -----------------------------------------------------


@dataclass(frozen=True)
class ReportFile:
    """One file of the Download: its name, a title for Slack, and its text."""

    filename: str
    title: str
    content: str


@dataclass(frozen=True)
class ReportFiles:
    """The full report as files: the printable HTML page, and CSV per person and per answer."""

    label: str
    people: int
    files: tuple[ReportFile, ...]
    names_note: str


def export_report(
    core: Core, caller: Caller, period_label: str, channel_id: str | None
) -> ReportFiles | Notice:
    """The report of a period (and channel) as files, with people's names (admins only)."""
    from bot.training.export import (
        ANSWER_COLUMNS,
        PEOPLE_COLUMNS,
        people_rows,
        with_names,
        write_csv,
    )
    from bot.training.html import render_html
    from bot.training.names import names_for
    from bot.training.report import answer_rows

    if not caller.is_admin:
        return Notice("The report is for admins only.", kind="error")
    built = _build(core, period_label, channel_id)
    if isinstance(built, Notice):
        return built
    report, members = built
    period = report.period
    ids = [*(p.user_id for p in report.people), *report.inactive]
    if core.refresh_names is not None:
        core.refresh_names(ids)
    names = names_for(core.store, ids)
    answers = with_names(answer_rows(core.store, period, channel_id, members), names)
    png, _, _ = report_chart(core, report)
    base = f"ofin-training-report-{period.label}" + (f"-{channel_id}" if channel_id else "")
    people_csv, answers_csv = io.StringIO(), io.StringIO()
    write_csv(people_rows(report, names), PEOPLE_COLUMNS, people_csv)
    write_csv(answers, ANSWER_COLUMNS, answers_csv)
    html = render_html(report, chart_png=png, answers=answers, names=names)
    title = f"Training report {period.label}"
    return ReportFiles(
        label=period.label,
        people=len(ids),
        files=(
            ReportFile(f"{base}.html", f"{title} (printable HTML)", html),
            ReportFile(f"{base}-people.csv", f"{title}: per person (CSV)", people_csv.getvalue()),
            ReportFile(f"{base}-answers.csv", f"{title}: per answer (CSV)", answers_csv.getvalue()),
        ),
        names_note=names.note(),
    )
