"""The shortcuts over real HTTP: "Ask ofin about this message" and the "Ask ofin" modal.

Payloads are built as Slack posts them (form-encoded ``payload=`` JSON of type ``message_action``,
``shortcut`` and ``view_submission``, each with a trigger_id) and signed with the signing secret.
"""

from __future__ import annotations

import json
import uuid

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.answer.matcher import Matcher
from bot.kb.loader import load
from bot.slack.blocks import shortcuts
from tests.e2e.harness import FakeSlack, SlackSender
from tests.e2e.test_slash_command import UNSURE_CANDIDATES, buttons, click

QUESTION = "do we have to patch the guest OS on our EC2 instances ourselves?"


def rid() -> str:
    return uuid.uuid4().hex[:10]


def message(text: str, *, ts: str = "1710000000.000100", **extra: str) -> dict:
    """A message in a channel, as it appears in a message_action payload."""
    return {"user": "UBOB", "ts": ts, "text": text, "client_msg_id": rid(), **extra}


def valid_blocks(blocks: list[dict]) -> bool:
    return all(Block.parse(b) is not None for b in blocks)


def test_message_shortcut_answers_in_the_messages_thread(sender: SlackSender, slack: FakeSlack):
    r = rid()
    resp = sender.message_shortcut(
        shortcuts.MESSAGE_SHORTCUT,
        message(QUESTION, ts="1710000000.000101"),
        user_id="UCAROL",
        channel_id="C0PLATFORM",
        response_url=slack.response_url(r),
    )
    assert resp.status_code == 200
    [post] = slack.wait_for("chat.postMessage")
    assert post.body["channel"] == "C0PLATFORM"
    assert post.body["thread_ts"] == "1710000000.000101"
    text = json.dumps(post.body["blocks"], ensure_ascii=False)
    assert "You — security IN the cloud" in text  # the same answer card as /ofin
    assert "ofin_feedback_up" in text and "ofin_share" not in text  # already public
    assert valid_blocks(post.body["blocks"])
    assert slack.responses(r) == []  # nothing private when the thread answer worked


def test_message_shortcut_in_a_reply_stays_in_that_thread(sender, slack):
    sender.message_shortcut(
        shortcuts.MESSAGE_SHORTCUT,
        message(f"<@UBOT> {QUESTION}", ts="1710000000.000202", thread_ts="1710000000.000200"),
        user_id="UCAROL",
        response_url=slack.response_url(rid()),
    )
    [post] = slack.wait_for("chat.postMessage")
    assert post.body["thread_ts"] == "1710000000.000200"
    assert "You asked: “do we have to patch" in post.text()  # the mention is stripped


def test_message_shortcut_answers_privately_with_share_where_ofin_is_not_a_member(sender, slack):
    slack.on("chat.postMessage", lambda call: {"ok": False, "error": "not_in_channel"})
    r = rid()
    sender.message_shortcut(
        shortcuts.MESSAGE_SHORTCUT,
        message(QUESTION),
        user_id="UCAROL",
        channel_id="C0ELSEWHERE",
        response_url=slack.response_url(r),
    )
    [reply] = slack.wait_for(f"response:{r}")
    assert reply.body["response_type"] == "ephemeral"
    assert "You — security IN the cloud" in reply.text()
    share = buttons(reply.body)["ofin_share"]
    [shared] = click(sender, slack, share, user_id="UCAROL", channel_id="C0ELSEWHERE")
    assert shared["response_type"] == "in_channel"  # Share posts through response_url
    assert "You — security IN the cloud" in json.dumps(shared["blocks"], ensure_ascii=False)


@pytest.fixture(scope="module")
def unsure_question() -> str:
    matcher = Matcher(load())
    for question in UNSURE_CANDIDATES:
        answer = matcher.ask(question)
        if answer.declined_because == "unsure" and answer.suggestions:
            return question
    pytest.fail(f"none of {UNSURE_CANDIDATES} gets 'did you mean' suggestions any more")


def test_message_shortcut_offers_did_you_mean(sender, slack, unsure_question):
    sender.message_shortcut(
        shortcuts.MESSAGE_SHORTCUT,
        message(unsure_question),
        user_id="UCAROL",
        response_url=slack.response_url(rid()),
    )
    [post] = slack.wait_for("chat.postMessage")
    assert "Did you mean" in post.text()
    assert "ofin_suggest_1" in buttons(post.body)


def test_message_shortcut_on_a_message_without_text_says_so_privately(sender, slack):
    r = rid()
    sender.message_shortcut(
        shortcuts.MESSAGE_SHORTCUT,
        message("", files=[{"id": "F1"}]),  # type: ignore[arg-type]
        user_id="UCAROL",
        response_url=slack.response_url(r),
    )
    [reply] = slack.wait_for(f"response:{r}")
    assert reply.body["response_type"] == "ephemeral"
    assert "no text" in reply.text()
    assert slack.calls("chat.postMessage") == []


def test_global_shortcut_opens_the_ask_modal(sender, slack):
    resp = sender.shortcut(shortcuts.GLOBAL_SHORTCUT, user_id="UCAROL")
    assert resp.status_code == 200
    [opened] = slack.wait_for("views.open")
    assert opened.body["trigger_id"].startswith("trigger.")
    view = opened.body["view"]
    assert view["callback_id"] == shortcuts.ASK_VIEW
    View(**view).validate_json()  # raises when Slack would refuse it


def test_modal_submission_answers_in_the_askers_dm(sender, slack):
    values = {
        shortcuts.QUESTION_BLOCK: {
            shortcuts.QUESTION_INPUT: {"type": "plain_text_input", "value": QUESTION}
        }
    }
    resp = sender.view_submission(shortcuts.ASK_VIEW, values, user_id="UDAVE")
    assert resp.status_code == 200
    assert resp.text == ""  # an empty ack closes the modal
    [opened] = slack.wait_for("conversations.open")
    assert opened.body["users"] == "UDAVE"
    [post] = slack.wait_for("chat.postMessage")
    assert post.body["channel"] == "DUDAVE"
    assert "You — security IN the cloud" in post.text()
    assert "ofin_feedback_up" in post.text()
    assert valid_blocks(post.body["blocks"])


def test_blank_modal_submission_stays_open_with_an_error(sender, slack):
    values = {
        shortcuts.QUESTION_BLOCK: {
            shortcuts.QUESTION_INPUT: {"type": "plain_text_input", "value": "   "}
        }
    }
    resp = sender.view_submission(shortcuts.ASK_VIEW, values, user_id="UDAVE")
    assert resp.status_code == 200
    body = resp.json()
    assert body["response_action"] == "errors"
    assert shortcuts.QUESTION_BLOCK in body["errors"]
    slack.settle(quiet=0.3)
    assert slack.calls("chat.postMessage") == []
