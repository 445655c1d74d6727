"""The matrix in the console and on the command line: an aligned table and the checklist.

The console's counterpart of the matrix renderers in bot/slack/render.py; bot/terminal/console.py
lists its renderers.
"""

from __future__ import annotations

from bot.commands.matrix import DutiesResult, MatrixResult, UnknownServicesResult
from bot.matrix.matrix import checklist_lines, notes_lines, to_table
from bot.terminal.session import Session


def matrix_text(result: MatrixResult, *, notes: bool = False) -> str:
    """The title, the table, the duties, and (with ``notes``) every cell's note and source."""
    matrix = result.matrix
    lines = [f"{result.title}: {', '.join(s.name for s in matrix.services)}", ""]
    if result.template is not None:
        lines.append(f"From {result.template.lines()[0]}")
        lines += result.template.lines()[1:]
        lines.append("")
    lines += [to_table(matrix), ""]
    lines.append(f"Your duties ({len(matrix.duties)}), by area:")
    lines += checklist_lines(matrix, result.owners)
    if notes:
        lines += ["", "Notes and sources:"]
        lines += notes_lines(matrix)
    return "\n".join(lines)


def unknown_services_text(result: UnknownServicesResult) -> str:
    """Each unknown name with its "did you mean"."""
    lines = []
    for unknown in result.unknown:
        hint = f" Did you mean {' or '.join(unknown.suggestions)}?" if unknown.suggestions else ""
        lines.append(f'I don\'t know a service called "{unknown.name}".{hint}')
    lines.append("Type stack <service> to check a name, or help.")
    return "\n".join(lines)


def matrix_result_text(result: MatrixResult, session: Session) -> str:
    if "--notes" in session.options:
        return matrix_text(result, notes=True)
    return matrix_text(result) + "\n(Add --notes for every cell's note and source.)"


def unknown_result_text(result: UnknownServicesResult, session: Session) -> str:
    return unknown_services_text(result)


def duties_text(result: DutiesResult) -> str:
    """The caller's duties, stack by stack."""
    if not result.rows:
        return "You own no duties yet. A stack's saver picks owners in Slack (matrix show NAME)."
    lines = [f"Your duties ({len(result.rows)}):"]
    stack = None
    for row in result.rows:
        if row.stack != stack:
            stack = row.stack
            lines.append(f"  {stack}")
        lines.append(f"    [ ] {row.text}  ({row.area})")
    return "\n".join(lines)


def duties_result_text(result: DutiesResult, session: Session) -> str:
    return duties_text(result)
