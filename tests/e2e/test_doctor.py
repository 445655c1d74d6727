"""`python -m bot doctor` against the Web API stand-in: one line per check, the fix when it fails.

Issue 17, item 2: a token missing one scope manifest.yml asks for is named, and so is a channel
with a daily quiz that the bot is not a member of.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.store import Store
from tests.e2e.harness import BOT_TOKEN, FakeSlack
from tests.e2e.harness.bot_process import clean_env
from tests.e2e.harness.fake_slack import manifest_scopes


def doctor(cwd: Path, **env: str) -> tuple[int, list[str]]:
    """Run `python -m bot doctor` in ``cwd``; its exit status and its lines."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "doctor"],
        cwd=cwd,
        env={**clean_env(env), "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout.splitlines()


def line(lines: list[str], name: str) -> str:
    [found] = [ln for ln in lines if ln.split(" ", 1)[1].startswith(f"{name}:")]
    return found


@pytest.fixture
def env(slack: FakeSlack, tmp_path: Path) -> Iterator[dict[str, str]]:
    yield {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "doctor-secret",
        "SLACK_API_URL": slack.api_url,
        "OFIN_DB": str(tmp_path / "ofin.db"),
    }
    slack.reset()  # the stand-in is shared: no refused token or missing scope for the next test


def test_a_token_missing_one_scope_is_named_with_the_fix(
    slack: FakeSlack, env: dict[str, str], tmp_path: Path
) -> None:
    slack.set_scopes([s for s in manifest_scopes() if s != "channels:history"])
    status, lines = doctor(tmp_path, **env)
    assert status == 1, lines
    scopes = line(lines, "slack scopes")
    assert scopes.startswith("✗")
    assert "channels:history" in scopes
    assert "chat:write" not in scopes  # only what is missing
    assert "fix: add them under OAuth & Permissions" in scopes
    assert line(lines, "slack auth.test").startswith("✓")
    assert slack.calls("auth.test")


def test_all_good_but_a_channel_with_a_daily_quiz_the_bot_is_not_in(
    slack: FakeSlack, env: dict[str, str], tmp_path: Path
) -> None:
    store = Store(Path(env["OFIN_DB"]), clock=SystemClock())
    for channel in ("C0INSIDE", "C0OUTSIDE"):
        store.schedules.save(
            channel_id=channel,
            at="09:00",
            tz="UTC",
            weekdays="12345",
            updated_by="UADMIN",
        )
    slack.on(
        "conversations.info",
        lambda call: {
            "ok": True,
            "channel": {
                "id": call.body["channel"],
                "name": call.body["channel"].lower(),
                "is_member": call.body["channel"] == "C0INSIDE",
            },
        },
    )
    status, lines = doctor(tmp_path, **env)
    assert len(lines) == 8, lines  # settings, kb, model, weights, database, 3 slack
    channels = line(lines, "slack channels")
    assert channels.startswith("✗") and "C0OUTSIDE" in channels and "C0INSIDE" not in channels
    assert "/invite @ofin" in channels
    assert status == 1
    for name in ("settings", "knowledge base", "database", "slack auth.test", "slack scopes"):
        assert line(lines, name).startswith("✓"), lines
    assert "integrity ok" in line(lines, "database")


def test_a_refused_token_is_one_line_with_the_fix(
    slack: FakeSlack, env: dict[str, str], tmp_path: Path
) -> None:
    slack.on("auth.test", lambda call: {"ok": False, "error": "invalid_auth"})
    status, lines = doctor(tmp_path, **env)
    assert status == 1
    auth = line(lines, "slack auth.test")
    assert auth.startswith("✗") and "invalid_auth" in auth and "fix:" in auth
    assert not [ln for ln in lines if ln.split(" ", 1)[1].startswith("slack scopes")]
    assert BOT_TOKEN not in "\n".join(lines)


def test_without_slack_everything_local_passes(tmp_path: Path) -> None:
    status, lines = doctor(tmp_path, OFIN_DB=str(tmp_path / "ofin.db"), OFIN_ENGINE="words")
    assert status == 0, lines
    assert [ln.split(" ", 1)[0] for ln in lines] == ["✓", "✓", "✓", "✓", "✓", "-"]
    assert "created at the first start" in line(lines, "database")
