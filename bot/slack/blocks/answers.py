"""Pure Block Kit builders: plain dicts and strings in, message/view dicts out. No Slack calls.

A message dict is ``{"text": <fallback for notifications>, "blocks": [...]}``; the caller adds
``response_type`` / ``channel`` / ``thread_ts`` as the surface needs. Every piece of user text goes
through ``escape`` so ``<!channel>``, ``<!here>`` and ``<@U…>`` never ping anyone.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

from bot.kb.model import SERVICE_MODEL_LABELS
from bot.kb.owners import OWNER_SHORT
from bot.slack.blocks.common import (
    OWNER_BADGES,
    OWNER_EMOJI,
    button,
    clip,
    context,
    escape,
    section,
)

# Action ids: the listeners in bot/slack/listeners/actions.py match on these.
ACTION_SHARE = "ofin_share"
ACTION_HELPFUL = "ofin_feedback_up"
ACTION_NOT_HELPFUL = "ofin_feedback_down"
ACTION_SUGGEST_PREFIX = "ofin_suggest_"  # + 1..3
COMMAND = "/ofin"

MAX_VALUE_QUESTION = 1000  # a button value holds at most 2000 characters
MAX_SUGGESTIONS = 3


def encode_value(question: str, item_id: str, service_id: str | None, confidence: int) -> str:
    """Pack what a button needs to rebuild an answer into its value (under 2000 characters)."""
    data = {"q": question[:MAX_VALUE_QUESTION], "i": item_id, "s": service_id, "c": confidence}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


MAX_VALUE = 2000  # Slack's limit for a button value


def decode_value(value: str) -> dict[str, Any]:
    """Unpack a button value made by ``encode_value``; raise ValueError when it is not one.

    Bounded before parsing (at most MAX_VALUE characters, as Slack allows), and a forged value
    nested too deeply for the parser is refused like any other.
    """
    if not isinstance(value, str) or len(value) > MAX_VALUE:
        raise ValueError("not an ofin button value (too long)")
    try:
        data = json.loads(value)
    except RecursionError:
        raise ValueError("not an ofin button value (nested)") from None
    if not isinstance(data, dict) or not isinstance(data.get("i"), str) or len(data["i"]) > 200:
        raise ValueError("not an ofin button value")
    confidence = data.get("c") or 0
    if not isinstance(confidence, int) or isinstance(confidence, bool):
        raise ValueError("not an ofin button value (confidence)")
    service = data.get("s")
    return {
        "question": str(data.get("q") or "")[:MAX_VALUE_QUESTION],
        "item_id": data["i"],
        "service_id": service if isinstance(service, str) and len(service) <= 100 else None,
        "confidence": max(0, min(100, confidence)),
    }


def confidence_hint(confidence: int) -> str:
    """A short human word for a 0-100 confidence."""
    if confidence >= 85:
        return f"high confidence ({confidence}/100)"
    if confidence >= 65:
        return f"fairly sure ({confidence}/100)"
    return f"low confidence ({confidence}/100), check the source"


def source_link(url: str) -> str:
    """A mrkdwn link to ``url`` labelled with its host name."""
    host = urlparse(url).netloc or url
    safe_url = url.replace(">", "%3E").replace("|", "%7C").replace(" ", "%20")
    return f"<{safe_url}|{escape(host)}>"


def answer_card(card: dict[str, Any], *, shareable: bool, feedback: bool = True) -> dict:
    """The answer card: owner badge, title, explanation, service note, source, confidence, buttons.

    ``card`` keys: question, owner, item_id, title, explanation, service_id, service_name, note,
    source (URL or None), confidence.
    """
    owner = card["owner"]
    badge = OWNER_BADGES.get(owner, escape(owner))
    blocks: list[dict] = [
        section(f"*{badge}*"),
        section(f"*{escape(card['title'])}*\n{escape(card['explanation'])}"),
    ]
    if card.get("note"):
        where = escape(card.get("service_name") or card.get("service_id") or "this service")
        blocks.append(section(f"*On {where}:* {escape(card['note'])}"))
    asked = [f"You asked: “{escape(clip(card['question'], 300))}”"]
    if card.get("source"):
        asked.append(f"Source: {source_link(card['source'])}")
    asked.append(confidence_hint(int(card.get("confidence") or 0)))
    if card.get("cues"):
        asked.append("read from: " + ", ".join(f"“{escape(c)}”" for c in card["cues"]))
    blocks.append(context(" · ".join(asked)))

    value = encode_value(
        card["question"], card["item_id"], card.get("service_id"), int(card.get("confidence") or 0)
    )
    buttons = []
    if shareable:
        buttons.append(button("Share in channel", ACTION_SHARE, value, style="primary"))
    if feedback:
        buttons.append(button("👍 Helpful", ACTION_HELPFUL, value))
        buttons.append(button("👎 Not helpful", ACTION_NOT_HELPFUL, value))
    if buttons:
        blocks.append({"type": "actions", "block_id": "ofin_answer_actions", "elements": buttons})

    owner_word = OWNER_SHORT.get(owner, owner)
    text = f"{owner_word}: {escape(card['title'])}"
    return {"text": text, "blocks": blocks}


DECLINE_REASONS = {
    "empty": "Ask me whose job something is, e.g. “who patches the OS on EC2?”",
    "too_long": "That is a long one. Could you ask it in one short sentence?",
    "off_topic": "I only know who does what in the cloud: AWS (security OF the cloud), you "
    "(security IN the cloud), or both.",
    "other_cloud": "I know AWS's side of the model. On another provider's cloud the split is "
    "alike (the provider secures its cloud, you secure what you run in it), but check that "
    "provider's documentation for the service.",
    "unsure": "I am not sure I understood that one.",
}


def declined_message(
    question: str,
    reason: str | None,
    suggestions: list[dict[str, Any]] | None = None,
    *,
    service_id: str | None = None,
    confidence: int = 0,
) -> dict:
    """A friendly decline with a hint, or "Did you mean …" buttons (up to 3) when unsure.

    ``suggestions``: dicts with ``id`` and ``title``, best first. A picked suggestion keeps the
    engine's ``confidence``: the person chose it, the engine was not sure.
    """
    suggestions = list(suggestions or [])[:MAX_SUGGESTIONS]
    shown = escape(clip(question, 300))
    if suggestions:
        blocks: list[dict] = [section(f"I am not sure what you mean by “{shown}”. Did you mean:")]
        buttons = [
            button(
                clip(s["title"], 75),
                f"{ACTION_SUGGEST_PREFIX}{n}",
                encode_value(question, s["id"], service_id, confidence),
            )
            for n, s in enumerate(suggestions, start=1)
        ]
        blocks.append({"type": "actions", "block_id": "ofin_suggestions", "elements": buttons})
        return {"text": f"Did you mean: {escape(suggestions[0]['title'])}?", "blocks": blocks}

    why = DECLINE_REASONS.get(reason or "", DECLINE_REASONS["unsure"])
    lines = [why]
    if question.strip():
        lines.insert(0, f"I don't have an answer for “{shown}”.")
    text = " ".join(lines)
    return {
        "text": text,
        "blocks": [
            section(text),
            context(f"Try `{COMMAND} help` to see what I can do, or name the service you mean."),
        ],
    }


def depends_message(
    question: str,
    layers: list[dict[str, Any]],
    suggestions: list[dict[str, Any]] | None = None,
    *,
    service_name: str | None = None,
    service_id: str | None = None,
    confidence: int = 0,
) -> dict:
    """ "It depends, layer by layer": what is certain per layer, and the closest items to pick.

    ``layers``: dicts with ``what`` and ``owner``, top to bottom.
    """
    shown = escape(clip(question, 300))
    where = f" on {escape(service_name)}" if service_name else ""
    lines = [f"“{shown}” has more than one owner{where}. It depends, layer by layer:"]
    for layer in layers[:12]:
        owner = layer["owner"]
        emoji = OWNER_EMOJI.get(owner, ":grey_question:")
        lines.append(
            f"{emoji} {escape(clip(layer['what'], 150))}: *{OWNER_SHORT.get(owner, owner)}*"
        )
    blocks: list[dict] = [section("\n".join(lines))]
    picks = list(suggestions or [])[:MAX_SUGGESTIONS]
    if picks:
        blocks.append(context("Which part do you mean?"))
        blocks.append(
            {
                "type": "actions",
                "block_id": "ofin_suggestions",
                "elements": [
                    button(
                        clip(s["title"], 75),
                        f"{ACTION_SUGGEST_PREFIX}{n}",
                        encode_value(question, s["id"], service_id, confidence),
                    )
                    for n, s in enumerate(picks, start=1)
                ],
            }
        )
    return {"text": f"It depends, layer by layer{where}.", "blocks": blocks}


def help_message(entries: list[dict[str, Any]], command: str = COMMAND) -> dict:
    """Usage: one line per subcommand; ``entries`` are dicts with usage, help, admin."""
    lines = ["*ofin tells you whose job it is: AWS's, yours, or both.*", ""]
    for entry in entries:
        admin = " _(admins)_" if entry.get("admin") else ""
        lines.append(f"• `{command} {escape(entry['usage'])}`: {escape(entry['help'])}{admin}")
    lines += ["", "You can also mention me in a channel (`@ofin who encrypts S3?`) or DM me."]
    return {"text": "How to use ofin", "blocks": [section("\n".join(lines))]}


def stack_message(service: dict[str, Any]) -> dict:
    """One service's layers, top to bottom, each marked with its owner.

    ``service`` keys: id, name, model, layers (list of dicts with name, owner, note).
    """
    name = escape(service["name"])
    model = service.get("model") or ""
    kind = escape(SERVICE_MODEL_LABELS.get(model, f"{model} service"))
    title = f"*Responsibility stack: {name}* ({kind})"
    lines = []
    for layer in service["layers"]:
        owner = layer["owner"]
        emoji = OWNER_EMOJI.get(owner, ":grey_question:")
        note = f": {escape(layer['note'])}" if layer.get("note") else ""
        lines.append(f"{emoji} *{escape(layer['name'])}*: {OWNER_SHORT.get(owner, owner)}{note}")
    legend = " · ".join(f"{OWNER_EMOJI[o]} {OWNER_SHORT[o]}" for o in ("customer", "shared", "aws"))
    blocks = [section(title), section("\n".join(lines) or "_No layers recorded._")]
    if service.get("source"):
        legend += f" · Source: {source_link(service['source'])}"
    blocks.append(context(legend))
    return {"text": f"Responsibility stack: {name}", "blocks": blocks}


def unknown_service_message(query: str, known: list[dict[str, Any]]) -> dict:
    """``stack`` with a name ofin does not know: say so and list the known services."""
    names = ", ".join(f"`{escape(s['id'])}`" for s in known)
    if query.strip():
        first = f"I don't know a service called “{escape(clip(query, 100))}”."
    else:
        first = f"Which service? e.g. `{COMMAND} stack ec2`."
    text = f"{first}\nServices I know: {names}"
    return {"text": first, "blocks": [section(text)]}


def unanswered_message(rows: list[tuple[str, int]]) -> dict:
    """The most frequent declined questions, most asked first."""
    if not rows:
        text = "No declined questions yet. Nice."
        return {"text": text, "blocks": [section(text)]}
    lines = ["*Questions ofin could not answer, most asked first:*"]
    lines += [f"{n}. “{escape(clip(q, 200))}” ×{count}" for n, (q, count) in enumerate(rows, 1)]
    return {"text": "Unanswered questions", "blocks": [section("\n".join(lines))]}


def notice_message(text: str, kind: str = "info") -> dict:
    """A short plain message (info, refusal or error), escaped."""
    prefix = {"refusal": ":no_entry: ", "error": ":warning: "}.get(kind, "")
    return within_limits({"text": escape(text), "blocks": [section(prefix + escape(text))]})


MAX_FALLBACK_TEXT = 3000  # the notification text; Slack cuts (or refuses) far longer ones


def within_limits(message: dict) -> dict:
    """The message with its fallback text cut to MAX_FALLBACK_TEXT (blocks clip their own)."""
    text = message.get("text")
    if isinstance(text, str) and len(text) > MAX_FALLBACK_TEXT:
        message = {**message, "text": text[: MAX_FALLBACK_TEXT - 1] + "…"}
    return message


def error_message() -> dict:
    """What a person sees when something broke on our side."""
    return notice_message(
        "Sorry, something went wrong on my side. Please try again in a moment.", "error"
    )


def home_view(extra_sections: list[list[dict]] | None = None, command: str = COMMAND) -> dict:
    """The App Home tab: how to use ofin, then any extra sections (stats, leaderboard…)."""
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": "ofin: whose job is it?"}},
        section(
            "Ask me who is responsible for something in the cloud, and I answer with the "
            "owner, a short reason and a link to AWS's documentation:\n"
            f"{OWNER_BADGES['aws']}\n{OWNER_BADGES['customer']}\n{OWNER_BADGES['shared']}"
        ),
        section(
            "*How to ask*\n"
            f"• `{command} who patches the OS on EC2?`: only you see the answer; "
            "*Share in channel* shows it to everyone.\n"
            f"• `{command} stack rds`: the layers of one service and who owns each.\n"
            "• Mention me in a channel (`@ofin who encrypts S3?`): I answer in a thread.\n"
            "• Or just send me a direct message.\n"
            f"• `{command} help`: everything I can do."
        ),
    ]
    for extra in extra_sections or []:
        if extra:
            blocks.append({"type": "divider"})
            blocks.extend(extra)
    return {"type": "home", "blocks": blocks}
