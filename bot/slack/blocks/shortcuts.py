"""Pure Block Kit builders for the shortcuts: the "Ask ofin" modal and its notices."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.common import clip

# Callback ids: manifest.yml declares the two shortcuts with these; the listeners match on them.
MESSAGE_SHORTCUT = "ofin_ask_message"  # "Ask ofin about this message" on a message's menu
GLOBAL_SHORTCUT = "ofin_ask"  # "Ask ofin privately" from the composer's shortcuts
ASK_VIEW = "ofin_ask_view"  # the modal the global shortcut opens
QUESTION_BLOCK = "ofin_question"
QUESTION_INPUT = "ofin_question_text"
MAX_QUESTION = 1000  # a plain_text_input allows 3000; questions are short

NO_TEXT = "That message has no text I can read. Ask me with /ofin <question> instead."
SENT_TO_DM = "My answer is in our DM (Apps → ofin), only you can see it."


def ask_modal(question: str = "") -> dict:
    """The modal of the global shortcut: one question box; the answer goes to the asker's DM."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": QUESTION_INPUT,
        "multiline": True,
        "max_length": MAX_QUESTION,
        "placeholder": {"type": "plain_text", "text": "e.g. who patches the OS on RDS?"},
    }
    if question:
        element["initial_value"] = clip(question, MAX_QUESTION)
    return {
        "type": "modal",
        "callback_id": ASK_VIEW,
        "title": {"type": "plain_text", "text": "Ask ofin"},
        "submit": {"type": "plain_text", "text": "Ask"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": QUESTION_BLOCK,
                "label": {"type": "plain_text", "text": "Whose job is it?"},
                "element": element,
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "Only you see the answer: I send it to our direct messages.",
                    }
                ],
            },
        ],
    }


def question_of(view: dict) -> str:
    """The question typed into the modal (empty when the box is missing or blank)."""
    values = ((view.get("state") or {}).get("values") or {}).get(QUESTION_BLOCK) or {}
    value = (values.get(QUESTION_INPUT) or {}).get("value")
    return value.strip() if isinstance(value, str) else ""


def empty_question_errors() -> dict[str, str]:
    """The modal's error when the question is blank (response_action "errors")."""
    return {QUESTION_BLOCK: "Type a question, e.g. who patches the OS on RDS?"}
