"""Socket Mode's own listener (OFIN_METRICS_PORT): a command answered over the WebSocket is counted.

A Socket Mode worker has no HTTP server for Slack, so it serves /metrics, /healthz and /readyz
on the port it is given (0 here: a free one, printed at start).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import requests

from tests.e2e.harness import FakeSlack
from tests.e2e.harness.bot_process import clean_env
from tests.e2e.harness.socket_mode import SocketModeServer
from tests.e2e.test_socket_mode import command_payload

LISTENING = re.compile(r"^ofin: metrics on http://[^:]+:(\d+)/metrics$")


def answered(text: str) -> float:
    """ofin_answers_total's samples summed, from a /metrics page."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("ofin_answers_total{")
    )


def test_socket_mode_serves_metrics_on_its_own_port(slack: FakeSlack, tmp_path: Path) -> None:
    socket = SocketModeServer().start()
    slack.on("apps.connections.open", lambda call: {"ok": True, "url": socket.url})
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_APP_TOKEN": "xapp-test-token",
        "SLACK_API_URL": slack.api_url,
        "OFIN_DB": str(tmp_path / "ofin.db"),
        "OFIN_SCHEDULER_SECONDS": "3600",
        "OFIN_METRICS_PORT": "0",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=clean_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        match = LISTENING.match(proc.stdout.readline().strip())
        assert match, "no 'ofin: metrics on' line"
        base = f"http://127.0.0.1:{match.group(1)}"
        socket.wait_connected()
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
        before = answered(requests.get(f"{base}/metrics", timeout=5).text)
        envelope = socket.send(
            "slash_commands",
            command_payload("who patches the guest OS on EC2?", slack.response_url("sockm")),
        )
        socket.wait_ack(envelope)
        slack.wait_for("response:sockm")
        after = answered(requests.get(f"{base}/metrics", timeout=5).text)
        assert after == before + 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        socket.stop()
