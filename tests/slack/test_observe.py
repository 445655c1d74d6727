"""Counting Slack's Web API calls by method and status, and naming a request from its body."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.slack.app import make_client
from bot.slack.observe import open_record
from tests.e2e.harness import FakeSlack


def calls(method: str, status: str) -> float:
    labels = {"method": method, "status": status}
    return REGISTRY.get_sample_value("ofin_slack_api_calls_total", labels) or 0.0


@pytest.fixture(scope="module")
def fake():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def test_every_attempt_is_counted_with_its_status(fake):
    client = make_client(Settings(bot_token="xoxb-x", api_url=fake.api_url))
    ok, limited = calls("chat.postMessage", "ok"), calls("chat.postMessage", "http_429")
    fake.rate_limit_next("chat.postMessage", retry_after=1)
    client.chat_postMessage(channel="C1", text="hi")  # one 429, then the retry succeeds
    assert calls("chat.postMessage", "http_429") == limited + 1
    assert calls("chat.postMessage", "ok") == ok + 1

    refused = calls("chat.update", "message_not_found")
    fake.on("chat.update", lambda call: {"ok": False, "error": "message_not_found"})
    with pytest.raises(SlackApiError):
        client.chat_update(channel="C1", ts="1.1", text="x")
    assert calls("chat.update", "message_not_found") == refused + 1
    fake.reset()


def test_a_request_is_named_by_its_surface_team_and_channel():
    command = {"command": "/ofin", "team_id": "T1", "channel_id": "C1", "text": "who?"}
    record = open_record(command)
    assert (record.surface, record.team, record.channel, record.text) == (
        "command",
        "T1",
        "C1",
        "who?",
    )
    dm = {"team_id": "T1", "event": {"type": "message", "channel_type": "im", "channel": "D1"}}
    assert open_record(dm).surface == "dm"
    click = {"type": "block_actions", "user": {"team_id": "T2"}, "channel": {"id": "C2"}}
    assert (open_record(click).surface, open_record(click).team) == ("action", "T2")
    assert open_record({"type": "something new"}).surface == "other"
