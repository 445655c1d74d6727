"""Socket Mode end to end: `python -m bot` with an app token, over a real WebSocket on loopback."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import FakeSlack
from tests.e2e.harness.bot_process import clean_env
from tests.e2e.harness.socket_mode import SocketModeServer


@pytest.fixture
def socket_bot(slack: FakeSlack, tmp_path: Path) -> Iterator[tuple[SocketModeServer, Path]]:
    socket = SocketModeServer().start()
    slack.on("apps.connections.open", lambda call: {"ok": True, "url": socket.url})
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_APP_TOKEN": "xapp-test-token",
        "SLACK_API_URL": slack.api_url,
        "OFIN_DB": str(tmp_path / "ofin.db"),
        "OFIN_SCHEDULER_SECONDS": "3600",
    }
    log = tmp_path / "ofin.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=tmp_path, env=clean_env(env), stderr=out
        )
    try:
        socket.wait_connected()
        yield socket, tmp_path / "ofin.db"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        socket.stop()


def command_payload(text: str, response_url: str) -> dict:
    return {
        "token": "deprecated",
        "team_id": "T0TEST",
        "channel_id": "C0SOCKET",
        "channel_name": "general",
        "user_id": "USOCKET",
        "user_name": "usocket",
        "command": "/ofin",
        "text": text,
        "api_app_id": "A0OFIN",
        "response_url": response_url,
        "trigger_id": "trigger.1",
    }


def test_slash_command_over_socket_mode_is_acked_and_answered(socket_bot, slack: FakeSlack):
    socket, _ = socket_bot
    envelope_id = socket.send(
        "slash_commands",
        command_payload("who patches the guest OS on EC2?", slack.response_url("sock")),
    )
    assert socket.wait_ack(envelope_id)["envelope_id"] == envelope_id
    [reply] = slack.wait_for("response:sock")
    assert "You — security IN the cloud" in reply.text()
    assert "Patching the guest operating system" in reply.text()


def test_mention_over_socket_mode_is_answered_in_a_thread(socket_bot, slack: FakeSlack):
    socket, _ = socket_bot
    event = {
        "type": "app_mention",
        "user": "USOCKET",
        "text": "<@UBOT> who patches the hypervisor?",
        "ts": f"{time.time():.6f}",
        "channel": "C0SOCKET",
    }
    envelope_id = socket.send(
        "events_api",
        {
            "type": "event_callback",
            "team_id": "T0TEST",
            "api_app_id": "A0OFIN",
            "event": event,
            "event_id": "EvSOCKET1",
            "event_time": int(time.time()),
        },
    )
    socket.wait_ack(envelope_id)
    [post] = slack.wait_for("chat.postMessage")
    assert post.body["channel"] == "C0SOCKET"
    assert post.body["thread_ts"] == event["ts"]
    assert "security OF the cloud" in post.text()
