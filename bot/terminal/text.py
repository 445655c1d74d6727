"""Plain-text renderings of the engine's answers, shared by the console and `python -m bot ask`.

Slack renders the same answers as Block Kit in bot/slack/blocks/answers.py, with the same owner
words.
"""

from __future__ import annotations

import re
import shutil
import textwrap

from bot.answer.answer import Answer
from bot.kb.owners import OWNER_LINES, OWNER_SHORT

WIDTH = 88
DECLINE_TEXT = {
    "empty": 'Ask me whose job something is, e.g. "who patches the OS on EC2?"',
    "too_long": "That is a long one. Could you ask it in one short sentence?",
    "off_topic": "I don't have an answer for that: I only answer questions about the cloud "
    "shared responsibility model (what AWS secures, what you secure, what you share).",
    "other_cloud": "I know AWS's side of the model. On another provider's cloud the split is "
    "alike (the provider secures its cloud, you secure what you run in it), but check that "
    "provider's documentation for the service.",
    "unsure": "I am not sure what you mean.",
    "depends": "It depends, layer by layer:",
}


def fill(text: str, indent: str = "") -> str:
    """Wrap ``text`` at WIDTH columns, every line indented by ``indent``."""
    flat = " ".join(text.split())
    return textwrap.fill(flat, WIDTH, initial_indent=indent, subsequent_indent=indent)


MIN_WIDTH = 40  # narrower than this, wrapping helps nobody


def terminal_width(fallback: int = WIDTH) -> int:
    """The terminal's width in columns (COLUMNS, else the terminal, else ``fallback``)."""
    return max(shutil.get_terminal_size((fallback, 24)).columns, MIN_WIDTH)


# Where a wrapped line's continuation starts: under the text after a bullet ("  - ", "[ ] ",
# "3. "), or under a second column (a label, then two spaces or more), else under its indent.
_BULLET = re.compile(r"^(\s*(?:[-•*]|\[[ x]\]|\d+\.)\s+)")
_COLUMN = re.compile(r"^(\s*\S.*?\s{2,})\S")


def wrap_lines(text: str, width: int) -> str:
    """Wrap each line longer than ``width`` at word boundaries, with a hanging indent.

    Words are never split (a word longer than the line, such as a URL, stays whole), so what a
    renderer wrote reads the same at any terminal width.
    """
    out: list[str] = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)
            continue
        match = _BULLET.match(line) or _COLUMN.match(line)
        lead = len(match.group(1)) if match else len(line) - len(line.lstrip())
        if lead > width // 2:  # a column too far right: continue under the indent instead
            lead = len(line) - len(line.lstrip())
        out.extend(
            textwrap.wrap(
                line,
                width,
                subsequent_indent=" " * lead,
                break_long_words=False,
                break_on_hyphens=False,
                drop_whitespace=True,
            )
            or [line]
        )
    return "\n".join(out)


def answer_text(answer: Answer) -> str:
    """An answer as text: owner in OF/IN words, title, explanation, service note, sources."""
    item = answer.item
    if item is None or answer.owner is None:
        return decline_text(answer)
    detail = f"confidence {answer.confidence}/100"
    if answer.service:
        detail = f"{answer.service.name}, {detail}"
    if answer.cues:
        detail += "; read from: " + ", ".join(f"'{cue}'" for cue in answer.cues)
    lines = [OWNER_LINES[answer.owner], f"{item.title}  ({detail})", fill(item.explanation)]
    if answer.note and answer.service:
        lines.append(fill(f"On {answer.service.name}: {answer.note}"))
    source = item.source_for(answer.service)
    if source:
        lines.append(f"Source: {source}")  # one page, the service's own when there is one
    if answer.suggestions:
        lines.append(fill("Related: " + "; ".join(s.title for s in answer.suggestions)))
    return "\n".join(lines)


def decline_text(answer: Answer) -> str:
    """Why the engine declined, and the "did you mean" items it came close to."""
    lines = [fill(DECLINE_TEXT.get(answer.declined_because or "", DECLINE_TEXT["unsure"]))]
    if answer.declined_because == "depends" and answer.service:
        lines[0] = fill(f"On {answer.service.name} this has more than one owner. " + lines[0])
    for what, owner in answer.layers:
        line = f"{what}: {OWNER_SHORT.get(owner, owner)}"
        lines.append(textwrap.fill(line, WIDTH, initial_indent="  - ", subsequent_indent="    "))
    if answer.suggestions:
        lines.append("Which part do you mean?" if answer.layers else "Did you mean:")
        lines.extend(f"  {n}. {s.title}" for n, s in enumerate(answer.suggestions, 1))
    return "\n".join(lines)
