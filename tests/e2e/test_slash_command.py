"""/ofin over real HTTP: the answer card, help, stack, unanswered, escaping."""

from __future__ import annotations

import uuid

from tests.e2e.harness import FakeSlack, SlackSender


def rid() -> str:
    return uuid.uuid4().hex[:10]


def ask(sender: SlackSender, slack: FakeSlack, text: str, user_id: str = "UALICE") -> dict:
    """Send /ofin TEXT and return the body posted to its response_url."""
    r = rid()
    resp = sender.command(text, user_id=user_id, response_url=slack.response_url(r))
    assert resp.status_code == 200
    assert resp.text == ""  # an empty ack: the answer comes through response_url
    return slack.wait_for(f"response:{r}")[0].body


def test_question_gets_an_ephemeral_card_with_owner_badge_and_source(sender, slack):
    body = ask(sender, slack, "who patches the guest OS on my EC2 instance?")
    assert body["response_type"] == "ephemeral"
    text = str(body["blocks"])
    assert "You — security IN the cloud" in text
    assert "docs.aws.amazon.com" in text
    action_ids = [
        e["action_id"] for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert action_ids == ["ofin_share", "ofin_feedback_up", "ofin_feedback_down"]
