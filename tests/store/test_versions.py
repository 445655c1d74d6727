"""Question versions: recorded once each, read back oldest first."""

from __future__ import annotations

from bot.store import VersionRow


def test_each_version_is_recorded_once_with_when_it_was_first_seen(store, clock):
    assert store.versions.record([("i#1", "aaa"), ("i#2", "bbb")]) == 2
    clock.advance(days=1)
    assert store.versions.record([("i#1", "aaa"), ("i#1", "ccc")]) == 1  # only the edit is new
    first, second = "2026-03-02T09:00:00.000000+00:00", "2026-03-03T09:00:00.000000+00:00"
    assert store.versions.history() == [
        VersionRow("i#1", "aaa", first),
        VersionRow("i#1", "ccc", second),
        VersionRow("i#2", "bbb", first),
    ]
