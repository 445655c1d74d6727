"""doctor's checks with OAuth installs: the mode is named and Slack's check says why it waits."""

from __future__ import annotations

from bot.terminal.doctor import run_checks


def test_oauth_installs_are_a_mode_and_tokens_are_checked_at_install(tmp_path, monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_CLIENT_ID", "1.2")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing")
    monkeypatch.setenv("OFIN_DB", str(tmp_path / "ofin.db"))
    checks = {c.name: c for c in run_checks()}
    assert checks["settings"].ok and "OAuth installs" in checks["settings"].detail
    assert checks["slack"].skipped and "when it installs ofin" in checks["slack"].detail
