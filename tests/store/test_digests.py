"""Digest schedules and each week's post claimed once."""

from __future__ import annotations

from bot.store import DigestRow


def test_a_digest_is_saved_turned_off_and_each_week_claimed_once(store, clock):
    saved = store.digests.save("C1", weekday=4, at="16:00", tz="Europe/Paris", updated_by="U1")
    assert saved == DigestRow(
        channel_id="C1",
        team_id="T1",
        enabled=True,
        weekday=4,
        at="16:00",
        tz="Europe/Paris",
        enabled_since=clock.now(),
        updated_by="U1",
        updated_at=clock.now(),
    )
    assert store.digests.enabled() == [saved]
    first = store.digests.claim("C1", "2026-W10")
    assert first is not None
    assert store.digests.claim("C1", "2026-W10") is None  # that week is taken, by anyone
    assert store.digests.claim("C1", None) is not None  # `digest now` is never refused
    store.digests.mark(first, "posted")
    assert store._db.rows("SELECT status FROM digest_posts WHERE id = ?", [first]) == [
        {"status": "posted"}
    ]
    assert store.digests.disable("C1", updated_by="U2") is True
    assert store.digests.disable("C1", updated_by="U2") is False
    assert store.digests.enabled() == []
    assert store.digests.get("C1").enabled is False
