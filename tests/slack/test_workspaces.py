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
