"""Mentions, DMs, App Home, redeliveries and rate limits, over real HTTP."""

from __future__ import annotations

import json
import uuid

from tests.e2e.harness import BOT_ID, BOT_USER_ID, FakeSlack, SlackSender


def new_ts() -> str:
    return f"1710000000.{uuid.uuid4().int % 10**6:06d}"


def mention(text: str, *, channel: str = "C0TEAM", ts: str | None = None, **extra) -> dict:
    event = {
        "type": "app_mention",
        "user": "UALICE",
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts or new_ts(),
        "channel": channel,
        "event_ts": new_ts(),
    }
    event.update(extra)
    return event


def dm(text: str, **extra) -> dict:
    event = {
        "type": "message",
        "channel_type": "im",
        "user": "UALICE",
        "text": text,
        "ts": new_ts(),
        "channel": "D0ALICE",
        "event_ts": new_ts(),
    }
    event.update(extra)
    return event


def test_mention_is_answered_in_a_thread(sender: SlackSender, slack: FakeSlack):
    event = mention("who patches the guest OS on EC2?")
    resp = sender.event(event)
    assert resp.status_code == 200
    [post] = slack.wait_for("chat.postMessage")
    assert post.body["channel"] == "C0TEAM"
    assert post.body["thread_ts"] == event["ts"]
    blocks = json.dumps(post.body["blocks"], ensure_ascii=False)
    assert "You — security IN the cloud" in blocks
    assert "ofin_share" not in blocks  # already public
    assert "ofin_feedback_up" in blocks
    assert post.headers["Authorization"] == "Bearer xoxb-test-token"


def test_mention_inside_a_thread_stays_in_that_thread(sender, slack):
    event = mention("stack rds", thread_ts="1710000000.000001")
    sender.event(event)
    [post] = slack.wait_for("chat.postMessage")
    assert post.body["thread_ts"] == "1710000000.000001"
    assert "Amazon RDS" in post.text()


def test_direct_message_is_answered_in_the_dm(sender, slack):
    sender.event(dm("who patches the hypervisor?"))
    [post] = slack.wait_for("chat.postMessage")
    assert post.body["channel"] == "D0ALICE"
    assert "thread_ts" not in post.body
    assert "AWS — security OF the cloud" in post.text()


def test_bot_messages_edits_and_own_messages_are_ignored(sender, slack):
    sender.event(dm("who patches the hypervisor?", bot_id="B0OTHER", subtype="bot_message"))
    sender.event(dm("who patches the hypervisor?", user=BOT_USER_ID, bot_id=BOT_ID))
    sender.event(
        dm("", subtype="message_changed", message={"text": "who patches ec2?", "user": "UALICE"})
    )
    sender.event(dm("who patches ec2?", channel_type="channel", channel="C0TEAM"))
    slack.settle()
    assert slack.calls("chat.postMessage") == []


def test_mention_echo_is_escaped(sender, slack):
    # A real broadcast is dropped from the question; the same text typed literally (which Slack
    # sends escaped) comes back escaped, so it shows as text and pings nobody.
    sender.event(mention("<!channel> tell me a joke about &lt;!channel&gt;"))
    [post] = slack.wait_for("chat.postMessage")
    text = json.dumps({k: v for k, v in post.body.items() if k in ("text", "blocks")})
    assert "<!channel>" not in text
    assert "tell me a joke about &lt;!channel&gt;" in text


def test_app_home_opened_publishes_the_home_view(sender, slack):
    sender.event(
        {
            "type": "app_home_opened",
            "user": "UALICE",
            "channel": "D0ALICE",
            "tab": "home",
            "event_ts": new_ts(),
        }
    )
    [publish] = slack.wait_for("views.publish")
    assert publish.body["user_id"] == "UALICE"
    view = publish.body["view"]
    assert view["type"] == "home"
    assert "/ofin help" in json.dumps(view)


def test_messages_tab_does_not_publish(sender, slack):
    sender.event(
        {
            "type": "app_home_opened",
            "user": "UALICE",
            "channel": "D0ALICE",
            "tab": "messages",
            "event_ts": new_ts(),
        }
    )
    slack.settle()
    assert slack.calls("views.publish") == []


def test_a_redelivered_event_posts_once(sender, slack):
    event = mention("who patches the hypervisor?")
    event_id = f"Ev{uuid.uuid4().hex[:10].upper()}"
    first = sender.event(event, event_id=event_id)
    again = sender.event(event, event_id=event_id, retry_num=1)
    third = sender.event(event, event_id=event_id, retry_num=2, retry_reason="http_error")
    assert [first.status_code, again.status_code, third.status_code] == [200, 200, 200]
    slack.wait_for("chat.postMessage")
    slack.settle()
    assert len(slack.calls("chat.postMessage")) == 1


def test_rate_limited_post_is_retried_and_lands_once(sender, slack):
    slack.rate_limit_next("chat.postMessage", retry_after=1)
    event = mention("who patches the hypervisor?")
    sender.event(event)
    [post] = slack.wait_for("chat.postMessage", timeout=15)
    slack.settle()
    attempts = slack.calls("chat.postMessage", include_refused=True)
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.9  # waited for Retry-After
    assert post.body["thread_ts"] == event["ts"]
