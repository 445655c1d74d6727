"""The retention pass: an uninstalled workspace's data goes once its retention ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.slack.workspaces import Retention
from bot.store import InstallationRow, Store


def test_the_retention_pass_deletes_only_workspaces_whose_retention_ended(tmp_path) -> None:
    clock = FakeClock(datetime(2026, 3, 2, tzinfo=UTC))
    store = Store(tmp_path / "ofin.db", clock=clock)
    for team in ("T1", "T2", "T3"):
        store.for_team(team).declined.record_declined(
            question="a poem", user_id="U1", channel_id="C1"
        )
        store.installations.save(
            InstallationRow(
                enterprise_id="", team_id=team, is_enterprise_install=False, bot_token="x"
            )
        )
    store.installations.delete(None, "T1")  # uninstalled long ago
    clock.advance(days=20)
    store.installations.delete(None, "T2")  # uninstalled recently
    clock.advance(days=15)
    Retention(store.installations, timedelta(days=30)).tick()
    assert store.for_team("T1").declined.top_declined() == []
    assert store.for_team("T2").declined.top_declined() == [("a poem", 1)]  # 15 days: kept
    assert store.for_team("T3").declined.top_declined() == [("a poem", 1)]  # still installed
    assert [w.team_id for w in store.installations.workspaces()] == ["T2", "T3"]
    store.close()


def test_a_workspace_starting_does_not_hold_up_the_others(tmp_path) -> None:
    """Every request asks for its workspace's Core before its ack: one workspace's first
    request, slow to start it, must not make every other workspace's requests wait."""
    import threading

    from bot.config import Settings
    from bot.kb.loader import load
    from bot.slack.workspaces import TeamCores
    from bot.wiring import build_core

    settings = Settings(api_url="http://127.0.0.1:9/api/", db_path=tmp_path / "ofin.db")
    core = build_core(settings, load())
    installations = core.store.installations
    release, inside = threading.Event(), threading.Event()
    seen = installations.seen

    def slow_seen(team_id: str, enterprise_id: str | None) -> None:
        if team_id == "T1":  # T1's start waits, as on a busy database
            inside.set()
            release.wait(10)
        seen(team_id, enterprise_id)

    installations.seen = slow_seen  # type: ignore[method-assign]
    teams = TeamCores(core, installations)
    first = threading.Thread(target=teams.core_for, args=("T1",))
    first.start()
    try:
        assert inside.wait(10)
        t2 = teams.core_for("T2")  # not behind T1's start
        assert t2.store.team == "T2" and teams.core_for("T2") is t2
        assert first.is_alive()  # T1 is still starting
    finally:
        release.set()
        first.join(10)
    assert teams.core_for("T1").store.team == "T1"
    assert [w.team_id for w in installations.workspaces()] == ["T1", "T2"]
    for team in ("T1", "T2"):
        teams.stop(team)
    core.store.close()
