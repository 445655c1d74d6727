"""`/ofin report [month|quarter|YYYY-MM|YYYY-Qn] [#channel]` (admins): the training report.

Slack-free. The Slack app may set two helpers on the Core: ``members_of``
(channel id -> member ids, or None) so that "answered nothing" lists the channel's real members,
and ``deliver_chart`` (caller, build) that calls ``build() -> (png, title, text)`` later and
sends the chart to the admin's DM.
"""

from __future__ import annotations

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
    try:
        period = parse_period(period_word, core.store.clock.now(), default=DEFAULT_PERIOD)
    except PeriodError as exc:
        return Notice(str(exc), kind="error")
    members = None
    if channel_id and core.members_of is not None:
        members = core.members_of(channel_id)
    report = build_report(core.store, core.kb, period, channel_id=channel_id, members=members)
    deliver = core.deliver_chart
    if deliver is not None:
        # The front end draws and sends the chart after the report is shown (it takes a second).
        deliver(caller, lambda: report_chart(core, report))
    return ReportResult(report)


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
