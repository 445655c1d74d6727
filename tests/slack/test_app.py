"""The Bolt app in-process against the Web API stand-in: wiring, errors, manifest consistency."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from slack_bolt.request import BoltRequest

from bot.config import Settings
from bot.kb.loader import load
from bot.slack.app import create_app, make_client
from bot.slack.blocks import answers as blocks
from bot.slack.blocks import digest as digest_blocks
from bot.slack.blocks import matrix as matrix_blocks
from bot.slack.blocks import quiz as quiz_blocks
from bot.slack.blocks import report as report_blocks
from bot.slack.blocks import shortcuts as shortcut_blocks
from bot.wiring import build_core
from tests.e2e.harness import FakeSlack, signed_headers
from tests.e2e.harness.slack_requests import block_actions_body, command_body, event_body

ROOT = Path(__file__).resolve().parents[2]
SECRET = "unit-secret"


@pytest.fixture(scope="module")
def fake():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def app_and_core(fake, tmp_path):
    settings = Settings(
        bot_token="xoxb-unit",
        signing_secret=SECRET,
        api_url=fake.api_url,
        db_path=tmp_path / "ofin.db",
    )
    core = build_core(settings, load())
    return create_app(settings, core), core


def dispatch(app, body: bytes, content_type: str):
    headers = {
        "content-type": [content_type],
        **{k: [v] for k, v in signed_headers(SECRET, body).items()},
    }
    return app.dispatch(BoltRequest(body=body.decode(), headers=headers))


def test_client_uses_slack_api_url_and_retries_rate_limits(fake):
    client = make_client(Settings(bot_token="xoxb-x", api_url=fake.api_url))
    assert client.base_url == fake.api_url
    assert any(type(h).__name__ == "RateLimitErrorRetryHandler" for h in client.retry_handlers)


def test_a_failing_listener_gives_the_user_a_short_friendly_message(fake, app_and_core, caplog):
    app, core = app_and_core
    fake.reset()

    def broken(question):
        raise RuntimeError("boom")

    core.matcher.ask = broken
    body = command_body("who patches ec2?", user_id="U1", response_url=fake.response_url("err"))
    with caplog.at_level("ERROR"):
        response = dispatch(app, body, "application/x-www-form-urlencoded")
        assert response.status == 200
        [reply] = fake.wait_for("response:err")
        deadline = time.monotonic() + 5
        while "boom" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
    assert "something went wrong" in reply.body["text"]
    assert "boom" not in json.dumps(reply.body)
    assert "boom" in caplog.text  # the log gets the traceback


def test_a_failing_mention_is_answered_in_its_thread(fake, app_and_core):
    app, core = app_and_core
    fake.reset()
    core.matcher.ask = lambda q: 1 / 0
    event = {
        "type": "app_mention",
        "user": "U1",
        "text": "<@UBOT> hi",
        "ts": "5.5",
        "channel": "C1",
    }
    dispatch(app, event_body(event), "application/json")
    [post] = fake.wait_for("chat.postMessage")
    assert post.body["thread_ts"] == "5.5"
    assert "something went wrong" in post.body["text"]


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9"])
def test_the_error_handler_acts_on_nothing_in_an_unverified_request(fake, app_and_core, timestamp):
    """Defence in depth behind the HTTP gate: Bolt alone, fed a forged request, calls nobody."""
    app, _ = app_and_core
    fake.reset()
    forged_command = command_body(
        "who patches ec2?", user_id="U1", response_url=fake.response_url("forged")
    )
    event = {"type": "app_mention", "user": "U1", "text": "hi", "ts": "5.5", "channel": "C1"}
    for body, content_type in (
        (forged_command, "application/x-www-form-urlencoded"),
        (event_body(event), "application/json"),
    ):
        headers = {
            "content-type": [content_type],
            "x-slack-request-timestamp": [timestamp],
            "x-slack-signature": ["v0=" + "0" * 64],
        }
        response = app.dispatch(BoltRequest(body=body.decode(), headers=headers))
        assert response.status in (401, 500)
    fake.settle(quiet=0.3)
    assert fake.calls(include_refused=True) == []


def test_manifest_matches_the_code():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    features, settings = manifest["features"], manifest["settings"]
    [command] = features["slash_commands"]
    assert command["command"] == blocks.COMMAND
    assert set(settings["event_subscriptions"]["bot_events"]) >= {
        "app_mention",
        "message.im",
        "app_home_opened",
    }
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "app_mentions:read", "im:history", "users:read"} <= scopes
    urls = {
        command["url"],
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
    }
    assert all(u.endswith("/slack/events") for u in urls)
    kinds = {s["callback_id"]: s["type"] for s in features["shortcuts"]}
    assert kinds == {
        shortcut_blocks.MESSAGE_SHORTCUT: "message",
        shortcut_blocks.GLOBAL_SHORTCUT: "global",
    }


def _action_ids() -> list[str]:
    """One action id of every kind the Block Kit builders put on a button or a picker."""
    return [
        blocks.ACTION_SHARE,
        blocks.ACTION_HELPFUL,
        blocks.ACTION_NOT_HELPFUL,
        *(f"{blocks.ACTION_SUGGEST_PREFIX}{n}" for n in (1, 2, 3)),
        digest_blocks.PRACTICE_ACTION,
        matrix_blocks.ACTION_DOWNLOAD,
        matrix_blocks.ACTION_ASSIGN,
        matrix_blocks.ACTION_NOTES,
        report_blocks.ACTION_DOWNLOAD,
        f"{quiz_blocks.PRACTICE_PREFIX}0",
        f"{quiz_blocks.DAILY_PREFIX}0",
    ]


UNHANDLED = "no listener for"


@pytest.mark.parametrize("action_id", _action_ids())
def test_every_action_id_in_the_builders_has_a_listener(fake, app_and_core, action_id, caplog):
    # A request no listener matched is logged as such (and acknowledged); a registered one acks.
    app, _ = app_and_core
    body = block_actions_body(
        action_id, "not-a-valid-value", user_id="U1", response_url=fake.response_url("act")
    )
    response = dispatch(app, body, "application/x-www-form-urlencoded")
    assert response.status == 200, action_id
    assert UNHANDLED not in caplog.text, action_id


def test_an_action_id_nobody_listens_to_is_unhandled(fake, app_and_core, caplog):
    # The check above can fail: an id without a listener is acknowledged, with one log line.
    app, _ = app_and_core
    body = block_actions_body("ofin_no_such_action", "x", user_id="U1", response_url="")
    assert dispatch(app, body, "application/x-www-form-urlencoded").status == 200
    [line] = [r.getMessage() for r in caplog.records if UNHANDLED in r.getMessage()]
    assert line == "no listener for a block_actions request; acknowledged, nothing done"
