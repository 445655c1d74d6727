"""The pieces every Block Kit builder uses: escaping, clipping, sections, buttons, owner badges."""

from __future__ import annotations

from typing import Any

from bot.kb.owners import OWNER_LINES, OWNER_SHORT

MAX_SECTION = 2900  # Slack allows 3000 characters in a section's text
MAX_HEADER = 150  # Slack's limit for a header's plain text

OWNER_EMOJI = {"aws": ":cloud:", "customer": ":bust_in_silhouette:", "shared": ":handshake:"}
# The owner words are the console's and `ask`'s (bot/kb/owners.py), with an emoji.
OWNER_BADGES = {owner: f"{OWNER_EMOJI[owner]} {line}" for owner, line in OWNER_LINES.items()}


def escape(text: str) -> str:
    """Escape &, < and > so user text never pings (<!channel>) nor breaks mrkdwn links."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int = MAX_SECTION) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str, **extra: Any) -> dict:
    """A mrkdwn section, clipped to Slack's limit, with any extra keys (accessory, block_id)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text)}, **extra}


def context(*texts: str) -> dict:
    """A context block: one small grey mrkdwn line per text."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(t)} for t in texts]}


def header(text: str) -> dict:
    """A header block (plain text, clipped)."""
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": text[:MAX_HEADER], "emoji": True},
    }


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    """A button whose click reaches the listener for ``action_id`` with ``value``."""
    made = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        made["style"] = style
    return made


def owner_badge(owner: str) -> str:
    """ ":bust_in_silhouette: You" and friends."""
    return f"{OWNER_EMOJI[owner]} {OWNER_SHORT[owner]}"
