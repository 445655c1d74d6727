"""Starting ofin: Socket Mode, the Procfile's web process, another WSGI server, failures."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid

import pytest
import requests

from tests.e2e.harness import SIGNING_SECRET, FakeSlack, SlackSender
from tests.e2e.harness.bot_process import REPO, clean_env


def start(args: list[str], env: dict[str, str], cwd) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        cwd=cwd,
        env=clean_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate(timeout=10)
    return out


def serve_and_fail(env: dict[str, str], cwd) -> subprocess.CompletedProcess:
    """Run `python -m bot serve` expecting it to stop at start-up; its exit code and output."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", "0"],
        cwd=cwd,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_app_token_starts_socket_mode_against_slack_api_url(slack: FakeSlack, tmp_path):
    slack.on("apps.connections.open", lambda call: {"ok": True, "url": "ws://127.0.0.1:9/link"})
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_APP_TOKEN": "xapp-test-token",
        "SLACK_API_URL": slack.api_url,
        "OFIN_DB": str(tmp_path / "ofin.db"),
    }
    proc = start([sys.executable, "-m", "bot"], env, tmp_path)
    try:
        [opened, *_] = slack.wait_for("apps.connections.open", timeout=30)
    finally:
        log = stop(proc)
    assert opened.headers["Authorization"] == "Bearer xapp-test-token", log
    [auth, *_] = slack.calls("auth.test")
    assert auth.headers["Authorization"] == "Bearer xoxb-test-token"


def test_a_token_slack_refuses_stops_the_start_with_a_clear_message(slack, tmp_path):
    slack.on("auth.test", lambda call: {"ok": False, "error": "invalid_auth"})
    env = {
        "SLACK_API_URL": slack.api_url,
        "OFIN_DB": str(tmp_path / "ofin.db"),
        "SLACK_BOT_TOKEN": "xoxb-revoked",
        "SLACK_SIGNING_SECRET": "s",
    }
    done = serve_and_fail(env, tmp_path)
    assert done.returncode == 2
    assert "ofin: Slack refused SLACK_BOT_TOKEN" in done.stderr
    assert "invalid_auth" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unreachable_slack_api_url_is_named(tmp_path):
    env = {
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "OFIN_DB": str(tmp_path / "ofin.db"),
        "SLACK_BOT_TOKEN": "xoxb-x",
        "SLACK_SIGNING_SECRET": "s",
    }
    done = serve_and_fail(env, tmp_path)
    assert done.returncode == 2
    assert "cannot reach Slack's Web API at http://127.0.0.1:9/api/" in done.stderr
    assert "Traceback" not in done.stderr


def procfile_web() -> list[str]:
    procfile = (REPO / "Procfile").read_text()
    web = re.search(r"^web: (.+)$", procfile, re.M).group(1)
    return web.replace("$PORT", "0").replace("0.0.0.0", "127.0.0.1").split()


def waitress_command() -> list[str]:
    """bot.slack.wsgi under plain waitress-serve: another WSGI server of the admin's choice."""
    args = ["--listen=127.0.0.1:0", "--threads=8"]
    return [sys.executable, "-m", "waitress", *args, "bot.slack.wsgi:application"]


def test_the_procfile_runs_the_production_server():
    assert procfile_web()[:4] == ["python", "-m", "bot", "serve"]


@pytest.mark.parametrize("server", ["procfile", "wsgi"])
def test_the_web_process_serves(server, slack, tmp_path):
    env = {
        "SLACK_API_URL": slack.api_url,
        "OFIN_DB": str(tmp_path / "ofin.db"),
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    # The Procfile's own command, or bot.slack.wsgi under another WSGI server (still supported).
    command = [sys.executable, *procfile_web()[1:]] if server == "procfile" else waitress_command()
    proc = start(command, env, tmp_path)
    lines: list[str] = []
    try:
        port = None
        deadline = time.monotonic() + 30
        while port is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            match = re.search(r"(?:Serving on |serving on )http://127\.0\.0\.1:(\d+)", line)
            port = int(match.group(1)) if match else None
        assert port, "".join(lines)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:  # the worker boots after the master starts listening
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # the worker is still booting
                pass
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)
        rid = uuid.uuid4().hex[:8]
        sender = SlackSender(f"{base}/slack/events", SIGNING_SECRET)
        resp = sender.command(
            "who patches the hypervisor?", user_id="U1", response_url=slack.response_url(rid)
        )
        assert resp.status_code == 200
        [reply] = slack.wait_for(f"response:{rid}")
        assert "AWS — security OF the cloud" in reply.text()
        assert (
            sender.post(b"token=x", "application/x-www-form-urlencoded", sign=False).status_code
            == 401
        )
    finally:
        stop(proc)


@pytest.mark.parametrize("port", ["not-a-port"])
def test_serve_rejects_a_bad_port(tmp_path, port):
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", port],
        cwd=tmp_path,
        env=clean_env({}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--port" in done.stderr
