"""Slack's message markup back to plain words, before a question reaches the core."""

from __future__ import annotations

import re

# <@U123>, <@U123|name>, <!here>, <!subteam^S1|@team>, <#C123|general>, <https://x|label>
_MARKUP = re.compile(r"<([@#!]?)([^>|]*)(?:\|([^>]*))?>")


def to_plain(text: str) -> str:
    """Drop mentions and broadcasts, keep channel names and link labels, unescape <, > and &."""

    def plain(match: re.Match[str]) -> str:
        kind, target, label = match.group(1), match.group(2), match.group(3)
        if kind in ("@", "!"):
            return " "
        return f" {label or target} "

    words = " ".join(_MARKUP.sub(plain, text or "").split())
    # What the person typed as <, > and & arrives escaped; the core wants the characters back
    # (the Block Kit builders escape them again on the way out).
    return words.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")


def channel_refs(text: str) -> tuple[str, dict[str, str]]:
    """Write channel links as "#name" (kept by to_plain) and map each name (and id) to its id.

    Commands such as ``report #security`` need the channel's id, which to_plain drops.
    """
    refs: dict[str, str] = {}

    def mark(match: re.Match[str]) -> str:
        channel_id, label = match.group(1), (match.group(2) or "").strip()
        name = label or channel_id
        refs[name.lower()] = channel_id
        refs[channel_id.lower()] = channel_id
        return f"#{name}"

    return _CHANNEL.sub(mark, text or ""), refs
