"""The local console: the same commands as ``/ofin`` (bot/commands/dispatch.py), as text.

It reads lines from standard input (a terminal or a pipe) until end of input or ``quit``. The
caller is the local user "console", with admin rights. Output is wrapped at the terminal's width,
at word boundaries. ``OPTIONS`` lists the console's own options per command (``matrix … --notes``);
commands that post in Slack (``slack_only``) say so here instead of half-running.

Each result type has its text renderer in ``RENDERERS`` at the end, a function
``(result, session) -> str``. A renderer may call ``session.expect(reply)`` so that the next line
goes to ``reply(line)`` (which returns another result, or None to treat the line as a normal
command); that is how a "did you mean" list or a quiz question takes its answer.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from bot.commands.builtin import answer_for_item
from bot.commands.core import Caller, Core
from bot.commands.dispatch import TABLE, dispatch
from bot.commands.matrix import DutiesResult, MatrixResult, UnknownServicesResult
from bot.commands.report import ReportResult
from bot.commands.results import (
    AnswerResult,
    HelpResult,
    Notice,
    StackResult,
    UnansweredResult,
    UnknownServiceResult,
)
from bot.config import ConfigError
from bot.kb.model import SERVICE_MODEL_LABELS
from bot.kb.owners import OWNER_SHORT
from bot.quiz.practice import PracticeFeedback, PracticeQuestion
from bot.quiz.scores import Leaderboard, Stats, TeamBoard
from bot.terminal import console_matrix, console_quiz, console_report
from bot.terminal.session import Reply, Session
from bot.terminal.text import (
    DECLINE_TEXT,
    answer_text,
    decline_text,
    fill,
    terminal_width,
    wrap_lines,
)
from bot.wiring import build_core

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.kb.model import KnowledgeBase

PROMPT = "ofin> "
QUIT_WORDS = ("quit", "exit", ":q")
ConsoleRenderer = Callable[[Any, Session], str]
# The console's own options, by command: taken off the line before dispatch, read by renderers.
OPTIONS: dict[str, frozenset[str]] = {"matrix": frozenset({"--notes"})}


class Console:
    """One console session: dispatch lines, render results, remember a pending reply."""

    def __init__(self, core: Core, caller: Caller | None = None, width: int | None = None) -> None:
        self.core = core
        self.caller = caller or Caller("console", surface="console", is_admin=True)
        self.width = width or terminal_width()
        self.options: frozenset[str] = frozenset()
        self._pending: Reply | None = None

    def expect(self, reply: Reply) -> None:
        """Send the next line to ``reply`` first (a pick from a list, a quiz answer)."""
        self._pending = reply

    def handle(self, line: str) -> str:
        """Run one line and return the text to print."""
        pending, self._pending = self._pending, None
        self.options = frozenset()
        result = pending(line.strip()) if pending is not None else None
        if result is None:
            line, self.options = take_options(line)
            result = slack_only_notice(line) or dispatch(self.core, self.caller, line)
        return self.render(result)

    def render(self, result: Any) -> str:
        """The text for one result."""
        for cls in type(result).__mro__:
            renderer = RENDERERS.get(cls)
            if renderer is not None:
                return renderer(result, self)
        if hasattr(result, "to_text"):
            return str(result.to_text())
        raise TypeError(f"no console renderer for {type(result).__name__}")

    def run(self, lines: Iterable[str], out: TextIO, *, banner: bool = False) -> int:
        """Read lines until end of input or ``quit``; print each result; return 0."""
        if banner:
            out.write("ofin console: ask whose job something is, or type help. quit to leave.\n")
        for line in lines:
            if line.strip().lower() in QUIT_WORDS:
                break
            if line.strip():
                out.write(wrap_lines(self.handle(line).rstrip(), self.width) + "\n\n")
                out.flush()
        return 0


def take_options(line: str) -> tuple[str, frozenset[str]]:
    """The line without the console's options for its command, and those options."""
    words = line.split()
    known = OPTIONS.get(words[0].lower(), frozenset()) if words else frozenset()
    taken = frozenset(w.lower() for w in words[1:] if w.lower() in known)
    if not taken:
        return line, frozenset()
    kept = [words[0], *(w for w in words[1:] if w.lower() not in known)]
    return " ".join(kept), taken


def slack_only_notice(line: str) -> Notice | None:
    """A plain answer for a command that works only in Slack, or None."""
    word, _, args = line.strip().partition(" ")
    sub = TABLE.get(word.lower())
    if sub is None or not sub.slack_only or (sub.accepts is not None and not sub.accepts(args)):
        return None
    return Notice(
        f"{sub.name} works in Slack only: it posts in a channel or a DM, which the console "
        "cannot. Type /ofin " + sub.usage.split(" ")[0] + " in Slack; help lists what works here."
    )


def _prompted_lines() -> Iterator[str]:
    """Lines typed at a terminal, with a prompt and line editing, until end of input."""
    with contextlib.suppress(ImportError):  # line editing and history for input()
        import readline  # noqa: F401
    while True:
        try:
            yield input(PROMPT)
        except EOFError:
            print()
            return


# ---------------------------------------------------------------------------------------------
# Renderers for the built-in results


def _answer(result: AnswerResult, session: Session) -> str:
    answer = result.answer
    if answer.answered and answer.item is not None:
        return answer_text(answer)
    if answer.suggestions:
        suggestions = answer.suggestions[:3]
        service_id = answer.service.id if answer.service else None
        lines = [f"{DECLINE_TEXT['unsure']} Did you mean:"]
        lines += [f"  {n}. {s.title}" for n, s in enumerate(suggestions, 1)]
        lines.append("Type a number to pick one, or ask again.")

        def pick(line: str) -> Any:
            if line.isdigit() and 1 <= int(line) <= len(suggestions):
                item = suggestions[int(line) - 1]
                chosen = answer_for_item(
                    session.core, item.id, service_id, answer.question, answer.confidence
                )
                return AnswerResult(chosen) if chosen else None
            if line.isdigit():
                session.expect(pick)  # a wrong number: the list still stands
                return Notice(f"Pick a number from 1 to {len(suggestions)}.")
            return None

        session.expect(pick)
        return "\n".join(lines)
    return f"{decline_text(answer)}\nType help to see what I can do."


_HELP_COLUMN = 34  # usages longer than this sit on a line of their own


def _help(result: HelpResult, session: Session) -> str:
    here = [e for e in result.entries if not e.slack_only]
    width = min(max(len(e.usage) for e in here), _HELP_COLUMN) + 2
    lines = ["ofin tells you whose job it is: AWS's, yours, or both. Commands that work here:"]
    for entry in here:
        admin = " (admins)" if entry.admin else ""
        if len(entry.usage) + 2 > width:  # a long usage gets its own line
            lines.append(f"  {entry.usage}")
            lines.append(f"  {'':{width}}{entry.help}{admin}")
        else:
            lines.append(f"  {entry.usage.ljust(width)}{entry.help}{admin}")
    lines.append(f"  {'quit'.ljust(width)}Leave the console.")
    lines.append(
        f"  {'matrix … --notes'.ljust(width)}The matrix with every cell's note and source."
    )
    slack = [e for e in result.entries if e.slack_only]
    if slack:
        names = ", ".join(e.usage.split(" ")[0] for e in slack)
        lines.append("")
        lines.append(
            f"In Slack only (they post in channels or DMs): {names}. See /ofin help there."
        )
    return "\n".join(lines)


def _stack(result: StackResult, session: Session) -> str:
    service = result.service
    kind = SERVICE_MODEL_LABELS.get(service.model, service.model)
    lines = [f"Responsibility stack: {service.name} ({kind}), top to bottom"]
    width = max((len(layer.name) for layer in service.stack), default=0) + 2
    for layer in service.stack:
        owner = OWNER_SHORT.get(layer.owner, layer.owner)
        note = f"  {layer.note}" if layer.note else ""
        lines.append(f"  {layer.name.ljust(width)}{owner.ljust(7)}{note}".rstrip())
    return "\n".join(lines)


def _unknown_service(result: UnknownServiceResult, session: Session) -> str:
    first = (
        f'I don\'t know a service called "{result.query}".'
        if result.query
        else "Which service? e.g. stack ec2"
    )
    return first + "\n" + fill("Services I know: " + ", ".join(s.id for s in result.known))


def _unanswered(result: UnansweredResult, session: Session) -> str:
    if not result.rows:
        return "No declined questions yet."
    lines = ["Questions ofin could not answer, most asked first:"]
    lines += [f"  {n}. {q}  (x{count})" for n, (q, count) in enumerate(result.rows, 1)]
    return "\n".join(lines)


def _notice(result: Notice, session: Session) -> str:
    return result.text


def run_console(
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    *,
    prepared: tuple[Settings, KnowledgeBase] | None = None,
) -> int:
    """Start the console on standard input/output; return the exit code."""
    from bot.wiring import prepare

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    ready = prepared or prepare()
    if isinstance(ready, int):
        return ready
    settings, kb = ready
    try:
        core = build_core(settings, kb)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    team = os.environ.get("OFIN_TEAM")
    if team:  # with OAuth installs, the workspace to work in, as for the other tools
        core = core.for_team(team)
    interactive = stdin is sys.stdin and stdin.isatty()
    lines = _prompted_lines() if interactive else stdin
    return Console(core).run(lines, stdout, banner=interactive)


RENDERERS: dict[type, ConsoleRenderer] = {
    AnswerResult: _answer,
    HelpResult: _help,
    StackResult: _stack,
    UnknownServiceResult: _unknown_service,
    UnansweredResult: _unanswered,
    Notice: _notice,
    PracticeQuestion: console_quiz.practice_text,
    PracticeFeedback: console_quiz.practice_feedback_text,
    Leaderboard: console_quiz.board_text,
    TeamBoard: console_quiz.teams_text,
    Stats: console_quiz.stats_text,
    MatrixResult: console_matrix.matrix_result_text,
    UnknownServicesResult: console_matrix.unknown_result_text,
    DutiesResult: console_matrix.duties_result_text,
    ReportResult: console_report.report_text,
}
