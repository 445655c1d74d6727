"""The digest's and the weak spots' Block Kit, as plain dicts."""

from __future__ import annotations

import json

from bot.slack.blocks.digest import PRACTICE_ACTION, digest_message, weak_spots_section


def test_digest_message_with_practice_button():
    message = digest_message(
        {
            "top": [["U1", 4, 5], ["U2", 3, 5]],
            "answered": 10,
            "accuracy": 70,
            "last_answered": 8,
            "last_accuracy": 50,
            "weakest": {
                "category": "identity",
                "accuracy_4w": 40,
                "accuracy_12w": 55,
                "trend": "down",
            },
        }
    )
    text = json.dumps(message, ensure_ascii=False)
    assert (
        "<@U1> 4 right of 5" in text and "70% this week" in text and "50% the week before" in text
    )
    (button,) = [b["accessory"] for b in message["blocks"] if "accessory" in b]
    assert (button["action_id"], button["value"]) == (PRACTICE_ACTION, "identity")
    assert "40% right over 4 weeks ↓" in text


def test_digest_without_answers_has_no_button():
    message = digest_message(
        {"top": [], "answered": 0, "accuracy": None, "last_answered": 0, "last_accuracy": None,
         "weakest": None}
    )  # fmt: skip
    assert "Nobody answered this week." in json.dumps(message)
    assert not any("accessory" in b for b in message["blocks"])


def test_weak_spots_section():
    blocks = weak_spots_section(
        "C1",
        {
            "categories": [
                {"category": "data", "accuracy_4w": 40, "accuracy_12w": 60, "trend": "down"}
            ],
            "most_missed": [{"title": "Encrypting S3 data", "missed": 7, "answered": 9}],
        },
    )
    text = blocks[0]["text"]["text"]
    assert "<#C1>" in text and "`data` 40% (4 wk) · 60% (12 wk) ↓" in text
    assert "Encrypting S3 data: missed 7 of 9" in text
