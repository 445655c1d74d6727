"""The "Ask ofin" modal: valid for Slack, and the question read back from its state."""

from __future__ import annotations

from slack_sdk.models.views import View

from bot.slack.blocks import shortcuts


def test_ask_modal_is_a_valid_view_with_one_question_box():
    view = shortcuts.ask_modal("who patches <RDS>?")
    View(**view).validate_json()
    [box] = [b for b in view["blocks"] if b["type"] == "input"]
    assert box["block_id"] == shortcuts.QUESTION_BLOCK
    assert box["element"]["initial_value"] == "who patches <RDS>?"  # plain text: no escaping
    assert len(view["title"]["text"]) <= 24


def test_question_of_reads_the_state_and_trims_it():
    state = {
        "values": {
            shortcuts.QUESTION_BLOCK: {shortcuts.QUESTION_INPUT: {"value": "  who patches?  "}}
        }
    }
    assert shortcuts.question_of({"state": state}) == "who patches?"
    assert shortcuts.question_of({"state": {"values": {}}}) == ""
    assert shortcuts.question_of({}) == ""
    assert shortcuts.QUESTION_BLOCK in shortcuts.empty_question_errors()
