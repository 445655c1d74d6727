"""Each channel's daily-quiz schedule: on, changed, off."""

from __future__ import annotations

from bot.store import ScheduleRow


def test_a_schedule_is_saved_changed_and_turned_off(store, clock):
    assert store.schedules.get("C1") is None
    saved = store.schedules.save(
        channel_id="C1",
        at="09:00",
        tz="Europe/Paris",
        weekdays="mon,tue",
        updated_by="U1",
    )
    assert saved == ScheduleRow(
        channel_id="C1",
        team_id="T1",
        at="09:00",
        tz="Europe/Paris",
        weekdays="mon,tue",
        enabled=True,
        active_since=clock.now(),
        updated_by="U1",
        updated_at=clock.now(),
    )
    clock.advance(days=1)
    changed = store.schedules.save(
        channel_id="C1", at="10:30", tz="UTC", weekdays="fri", updated_by="U2"
    )
    assert (changed.team_id, changed.at, changed.active_since) == ("T1", "10:30", clock.now())
    assert store.schedules.enabled() == [changed]
    assert store.schedules.disable("C1", updated_by="U3") is True
    assert store.schedules.disable("C1", updated_by="U3") is False  # already off
    off = store.schedules.get("C1")
    assert (off.enabled, off.updated_by) == (False, "U3")
    assert store.schedules.enabled() == []
