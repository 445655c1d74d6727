"""The Slack-free command layer: the text after ``/ofin`` (or one console line) -> a result.

``dispatch(core, caller, text)`` runs the subcommand named by the first word, from the table
below; any other text is a question for the answer engine. Handlers return plain dataclasses;
the Slack front end renders them with Block Kit (bot/slack/render.py) and the console as text
(bot/terminal/console.py). Neither front end is imported here.

How to add a subcommand: write it in its module with ``@subcommand`` from bot/commands/core.py::

    @subcommand("stats", usage="stats", help="Your quiz record.", accepts=lambda args: not args)
    def stats_command(core: Core, caller: Caller, args: str) -> Stats:
        ...

then list it in ``TABLE`` below, and give its result a renderer in both front ends' tables
(bot/slack/render.py, bot/terminal/console.py), or a ``to_text() -> str`` method.

- ``admin=True``: non-admins get a refusal (a ``Notice`` of kind "refusal") before the handler
  runs. ``caller.is_admin`` and ``caller.tz`` are looked up lazily (Slack: users.info, once).
- ``accepts``: a predicate on the arguments; when it says no, the whole text is treated as a
  question instead ("daily backups for RDS?" is a question, not the ``daily`` command).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands import builtin, campaign, digest, matrix, quiz, report
from bot.commands.core import Caller, Core, Subcommand, subcommand
from bot.commands.results import HelpEntry, HelpResult, Notice


def _help_accepts(args: str) -> bool:
    return not args or args.lower() in TABLE


@subcommand("help", help="Show this help.", accepts=_help_accepts)
def help_command(core: Core, caller: Caller, args: str) -> HelpResult:
    return help_result()


TABLE: Mapping[str, Subcommand] = {
    s.name: s
    for s in (
        help_command,
        builtin.stack,
        builtin.unanswered,
        quiz.quiz_command,
        quiz.daily_command,
        quiz.leaderboard_command,
        quiz.stats_command,
        quiz.forget_command,
        matrix.matrix_command,
        matrix.duties_command,
        report.report_command,
        digest.digest_command,
        campaign.campaign_command,
        campaign.remind_command,
    )
}


def dispatch(core: Core, caller: Caller, text: str, table: Mapping[str, Subcommand] = TABLE) -> Any:
    """Run the subcommand named by the first word of ``text``, or answer ``text`` as a question."""
    text = " ".join((text or "").split())
    if not text:
        return help_result(table)
    word, _, args = text.partition(" ")
    sub = table.get(word.lower())
    if sub is not None and (sub.accepts is None or sub.accepts(args)):
        if sub.admin and not caller.is_admin:
            return Notice(
                f'Sorry, "{sub.name}" is for ofin admins only '
                "(workspace admins and the people listed in OFIN_ADMINS).",
                kind="refusal",
            )
        return sub.handler(core, caller, args)
    return builtin.answer_question(core, caller, text)


def help_result(table: Mapping[str, Subcommand] = TABLE) -> HelpResult:
    """Usage for every subcommand, the question form first."""
    entries = [HelpEntry("<question>", 'Whose job is it? e.g. "who patches the OS on EC2?"')]
    entries += [
        HelpEntry(sub.usage, sub.help, sub.admin, sub.slack_only)
        for sub in sorted(table.values(), key=lambda s: (s.admin, s.name != "help", s.name))
    ]
    return HelpResult(tuple(entries))
