"""Pure Block Kit builders for the weekly digest and the team weak spots (dict in, dict out)."""

from __future__ import annotations

from bot.slack.blocks.common import escape

PRACTICE_ACTION = "ofin_digest_practice"
ARROWS = {"up": "↑", "down": "↓", "steady": "→"}


def _pct(value: int | None) -> str:
    return "—" if value is None else f"{value}%"


def digest_message(digest: dict) -> dict:
    """The weekly digest post: top answerers, accuracy vs last week, the weakest category."""
    top = digest["top"]
    medals = ("🥇", "🥈", "🥉")
    top_lines = [
        f"{medals[i] if i < 3 else '•'} <@{user}> {correct} right of {answered}"
        for i, (user, correct, answered) in enumerate(top)
    ] or ["Nobody answered this week."]
    accuracy = (
        f"*Accuracy:* {_pct(digest['accuracy'])} this week "
        f"({digest['answered']} answers), {_pct(digest['last_accuracy'])} the week before "
        f"({digest['last_answered']} answers)"
    )
    top_text = "*Top answerers*\n" + "\n".join(top_lines)
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": "This week in ofin"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": top_text}},
        {"type": "section", "text": {"type": "mrkdwn", "text": accuracy}},
    ]
    weakest = digest.get("weakest")
    if weakest:
        text = (
            f"*Weakest category:* `{escape(weakest['category'])}`, "
            f"{_pct(weakest['accuracy_4w'])} right over 4 weeks "
            f"{ARROWS[weakest['trend']]} ({_pct(weakest['accuracy_12w'])} over 12)"
        )
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": text},
                "accessory": {
                    "type": "button",
                    "action_id": PRACTICE_ACTION,
                    "text": {"type": "plain_text", "text": "Practice this"},
                    "value": weakest["category"],
                    "style": "primary",
                },
            }
        )
    fallback = (
        f"This week in ofin: {digest['answered']} answers, {_pct(digest['accuracy'])} right "
        f"(last week {_pct(digest['last_accuracy'])})."
    )
    return {"text": fallback, "blocks": blocks}


def weak_spots_section(channel_id: str, spots: dict) -> list[dict]:
    """One channel's weak spots for App Home (admins): categories with trend, most missed."""
    lines = [
        f"`{escape(c['category'])}` {_pct(c['accuracy_4w'])} (4 wk) · "
        f"{_pct(c['accuracy_12w'])} (12 wk) {ARROWS[c['trend']]}"
        for c in spots["categories"][:6]
    ] or ["No daily answers in 12 weeks."]
    missed = [
        f"• {escape(m['title'])}: missed {m['missed']} of {m['answered']}"
        for m in spots["most_missed"]
    ]
    text = f"*Weak spots in <#{channel_id}>* (weakest first)\n" + "\n".join(lines)
    if missed:
        text += "\n*Most missed*\n" + "\n".join(missed)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}]
