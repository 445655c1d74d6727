"""Pure Block Kit builders for the stack matrix: plain dicts in, message dicts out.

The data dict (built by bot/slack/listeners/matrix.py from a MatrixResult)::

    {"title": str, "services": [{"id", "short", "name"}],
     "areas": [{"id", "name", "cells": [{"short", "owner", "note", "source"}]}],
     "duties": [{"key", "area", "text", "shared", "owner"}],   # owner: a user id or None
     "stack": str | None, "assignable": bool, "download": str (the button's value),
     "template": {"summary": str, "unknown": [str], "apart": [str], "modules": [str],
                  "complete_answer": str} | None}
"""

from __future__ import annotations

import json
from typing import Any

from bot.slack.blocks.common import context, escape, owner_badge, section

ACTION_DOWNLOAD = "ofin_matrix_download"
ACTION_ASSIGN = "ofin_matrix_assign"
ACTION_NOTES = "ofin_matrix_notes"  # an area's notes, on demand
OWNER_ORDER = ("customer", "shared", "aws")  # yours first: what the reader must act on
DUTY_BLOCK_PREFIX = "ofin_duty|"  # + stack name + "|" + duty key
MAX_BLOCKS = 50  # Slack's limit for one message
NOTE_CHARS = 200
MAX_UNKNOWN_SHOWN = 10


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def encode_download(services: list[str], stack: str | None) -> str:
    """The Download button's value: the service ids and the saved stack's name."""
    return json.dumps({"s": services, "n": stack}, separators=(",", ":"))


def decode_download(value: str) -> tuple[list[str], str | None]:
    """Unpack ``encode_download``; raise ValueError when the value is not one of ours."""
    data = json.loads(value)
    if not isinstance(data, dict) or not isinstance(data.get("s"), list):
        raise ValueError(f"not a matrix download value: {value!r}")
    stack = data.get("n")
    return [str(s) for s in data["s"]], stack if isinstance(stack, str) else None


def duty_block_id(stack: str, key: str) -> str:
    """The block id of a duty row: which stack and which duty an owner pick is for."""
    return f"{DUTY_BLOCK_PREFIX}{stack}|{key}"


def parse_duty_block_id(block_id: str) -> tuple[str, str]:
    """(stack, duty key) from ``duty_block_id``; raise ValueError for another block id."""
    if not block_id.startswith(DUTY_BLOCK_PREFIX):
        raise ValueError(f"not a duty row: {block_id!r}")
    stack, sep, key = block_id[len(DUTY_BLOCK_PREFIX) :].partition("|")
    if not sep or not stack or not key:
        raise ValueError(f"not a duty row: {block_id!r}")
    return stack, key


def encode_notes(services: list[str], area_id: str, stack: str | None) -> str:
    """The Notes button's value: which services, which area, and the saved stack's name."""
    return json.dumps({"s": services, "a": area_id, "n": stack}, separators=(",", ":"))


def decode_notes(value: str) -> tuple[list[str], str, str | None]:
    """Unpack ``encode_notes``; raise ValueError when the value is not one of ours."""
    if not isinstance(value, str) or len(value) > 2000:
        raise ValueError("not a matrix notes value")
    data = json.loads(value)
    if not isinstance(data, dict) or not isinstance(data.get("s"), list):
        raise ValueError(f"not a matrix notes value: {value!r}")
    if not isinstance(data.get("a"), str):
        raise ValueError(f"not a matrix notes value: {value!r}")
    stack = data.get("n")
    return [str(s) for s in data["s"]], data["a"], stack if isinstance(stack, str) else None


def owner_groups(cells: list[dict]) -> list[tuple[str, list[str]]]:
    """(owner, the services' short names) for each owner of an area, in OWNER_ORDER."""
    groups: dict[str, list[str]] = {}
    for cell in cells:
        groups.setdefault(cell["owner"], []).append(cell["short"])
    return [(o, groups[o]) for o in OWNER_ORDER if o in groups]


def area_line(area: dict) -> str:
    """One area in one line: the owner across services, grouped where the owners agree.

    "You: all 10", or "You: all but DynamoDB · AWS: DynamoDB" when one owner holds most, else
    each owner with its services.
    """
    groups = owner_groups(area["cells"])
    total = len(area["cells"])
    title = f"*{escape(area['name'])}*"
    if len(groups) == 1:
        owner, _ = groups[0]
        every = f"all {total}" if total > 1 else escape(area["cells"][0]["short"])
        return f"{title}\n{owner_badge(owner)}: {every}"
    main, main_shorts = max(groups, key=lambda g: len(g[1]))
    others = [(o, shorts) for o, shorts in groups if o != main]
    rest = [s for _, shorts in others for s in shorts]
    if total >= 5 and len(main_shorts) * 3 >= total * 2 and len(rest) <= 3:
        parts = [f"{owner_badge(main)}: all but {escape(', '.join(rest))}"]
        parts += [f"{owner_badge(o)}: {escape(', '.join(shorts))}" for o, shorts in others]
    else:
        parts = [f"{owner_badge(o)}: {escape(', '.join(shorts))}" for o, shorts in groups]
    return f"{title}\n" + " · ".join(parts)


def _area_blocks(data: dict) -> list[dict]:
    """One short section per area, with a Notes button that shows its notes on demand."""
    services = [s["id"] for s in data["services"]]
    blocks = []
    for area in data["areas"]:
        notes = {
            "type": "button",
            "text": {"type": "plain_text", "text": "Notes"},
            "action_id": ACTION_NOTES,
            "value": encode_notes(services, area["id"], data.get("stack")),
        }
        blocks.append(section(area_line(area), accessory=notes))
    return blocks


def notes_message(area: dict) -> dict:
    """One area's notes, each note once with the services it applies to, and its source."""
    grouped: dict[tuple[str, str], list[dict]] = {}
    for cell in area["cells"]:
        grouped.setdefault((cell["owner"], cell["note"]), []).append(cell)
    lines = [f"*{escape(area['name'])}*: the notes behind each owner"]
    for (owner, note), cells in sorted(
        grouped.items(), key=lambda kv: (OWNER_ORDER.index(kv[0][0]), kv[1][0]["short"])
    ):
        shorts = ", ".join(escape(c["short"]) for c in cells)
        source = next((c["source"] for c in cells if c.get("source")), None)
        link = f" <{source}|docs>" if source else ""
        lines.append(f"{owner_badge(owner)} *{shorts}*: {escape(_clip(note, NOTE_CHARS))}{link}")
    blocks = _lines_in_sections(lines)
    return {"text": f"Notes: {area['name']}", "blocks": blocks[:MAX_BLOCKS]}


def _lines_in_sections(lines: list[str]) -> list[dict]:
    """``lines`` packed into as few sections as Slack's 3000 characters allow."""
    blocks: list[dict] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > 2900:
            blocks.append(section(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current))
    return blocks


def _duty_blocks(data: dict, room: int) -> list[dict]:
    """The checklist: with a people picker per duty when the stack is saved and editable."""
    duties = data["duties"]
    if not duties:
        return [section("*Your duties*: none on these services. AWS runs every layer.")]
    blocks = [section(f"*Your duties* ({len(duties)})")]
    if data.get("assignable") and data.get("stack"):
        pickable = duties[: max(room - 2, 0)]
        for duty in pickable:
            blocks.append(_duty_row(data["stack"], duty))
        rest = duties[len(pickable) :]
        if rest:
            lines = [f"• {escape(d['text'])}" for d in rest]
            blocks.append(
                section(
                    f"…and {len(rest)} more, without a picker (a Slack message holds 50 blocks):\n"
                    + "\n".join(lines)
                )
            )
        return blocks
    areas: dict[str, list[dict]] = {}
    for duty in duties:
        areas.setdefault(duty["area"], []).append(duty)
    for area, area_duties in areas.items():
        lines = [f"*{escape(area)}*"]
        for duty in area_duties:
            shared = " _(shared with AWS)_" if duty["shared"] else ""
            who = f" — <@{duty['owner']}>" if duty.get("owner") else ""
            lines.append(f"☐ {escape(duty['text'])}{shared}{who}")
        blocks.append(section("\n".join(lines)))
    return blocks


def _duty_row(stack: str, duty: dict) -> dict:
    shared = " _(shared with AWS)_" if duty["shared"] else ""
    picker: dict[str, Any] = {
        "type": "users_select",
        "action_id": ACTION_ASSIGN,
        "placeholder": {"type": "plain_text", "text": "Owner"},
    }
    if duty.get("owner"):
        picker["initial_user"] = duty["owner"]
    return section(
        f"☐ {escape(duty['text'])}{shared}",
        block_id=duty_block_id(stack, duty["key"]),
        accessory=picker,
    )


def matrix_message(data: dict) -> dict:
    """The matrix: areas x services with notes, the duties checklist, and a Download button."""
    names = ", ".join(s["short"] for s in data["services"])
    heading = f"{data['title']}: {names}"
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(heading, 150)}},
    ]
    template = data.get("template")
    if template:
        lines = [escape(template["summary"])]
        unknown = template.get("unknown") or []
        if unknown:
            shown = ", ".join(f"`{escape(t)}`" for t in unknown[:MAX_UNKNOWN_SHOWN])
            more = (
                f" and {len(unknown) - MAX_UNKNOWN_SHOWN} more"
                if len(unknown) > MAX_UNKNOWN_SHOWN
                else ""
            )
            plural = "s" if len(unknown) != 1 else ""
            lines.append(
                f"Not in ofin's knowledge yet: {len(unknown)} type{plural} ({shown}{more})"
            )
        apart = template.get("apart") or []
        if apart:
            lines.append("No AWS service, listed apart: " + "; ".join(escape(a) for a in apart[:5]))
        modules = template.get("modules") or []
        if modules:
            plural = "s" if len(modules) != 1 else ""
            lines.append(f"*Not read: {len(modules)} module{plural}*")
            lines += [f"• {escape(m)}" for m in modules[:MAX_UNKNOWN_SHOWN]]
            if len(modules) > MAX_UNKNOWN_SHOWN:
                lines.append(f"• and {len(modules) - MAX_UNKNOWN_SHOWN} more")
        if template.get("complete_answer"):
            lines.append(escape(template["complete_answer"]))
        blocks.append(section(_clip("\n".join(lines), 2900)))
    blocks.append(
        context(
            f"{owner_badge('aws')} · {owner_badge('customer')} · {owner_badge('shared')} — "
            "per area, who owns it on which service. *Notes* shows why; *Download* has every "
            "cell with its note and source"
        )
    )
    blocks += _area_blocks(data)
    blocks.append({"type": "divider"})
    tail = [
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Download CSV + Markdown"},
                    "action_id": ACTION_DOWNLOAD,
                    "value": data["download"],
                }
            ],
        }
    ]
    if not data.get("stack"):
        ids = " ".join(s["id"] for s in data["services"])
        tail.append(context(f"To give each duty an owner: `/ofin matrix save NAME {escape(ids)}`"))
    blocks += _duty_blocks(data, MAX_BLOCKS - len(blocks) - len(tail))
    blocks += tail
    return {"text": _clip(heading, 300), "blocks": blocks[:MAX_BLOCKS]}


def unknown_services_message(unknown: list[dict]) -> dict:
    """Names ofin does not know, each with "did you mean"."""
    lines = []
    for entry in unknown:
        hint = ""
        if entry["suggestions"]:
            hint = (
                " Did you mean " + " or ".join(f"`{escape(s)}`" for s in entry["suggestions"]) + "?"
            )
        lines.append(f"I don't know a service called “{escape(entry['name'])}”.{hint}")
    lines.append("Try `/ofin stack <service>` to check a name.")
    return {"text": lines[0], "blocks": [section("\n".join(lines))]}


def duties_message(rows: list[dict]) -> dict:
    """The duties a person owns: {"stack", "area", "text"} each, grouped by stack."""
    if not rows:
        text = (
            "You own no duties yet. Whoever saved a stack picks owners under "
            "`/ofin matrix show NAME`."
        )
        return {"text": "You own no duties yet.", "blocks": [section(text)]}
    by_stack: dict[str, list[dict]] = {}
    for row in rows:
        by_stack.setdefault(row["stack"], []).append(row)
    blocks: list[dict] = [section(f"*Your duties* ({len(rows)})")]
    for stack, stack_rows in list(by_stack.items())[: MAX_BLOCKS - 1]:
        lines = [f"*{escape(stack)}*"]
        lines += [f"☐ {escape(r['text'])} _({escape(r['area'])})_" for r in stack_rows]
        blocks.append(section("\n".join(lines)))
    return {"text": f"Your duties ({len(rows)})", "blocks": blocks}
