"""The names cache: saved and read back, stale after its age, and never for the forgotten."""

from __future__ import annotations

from datetime import timedelta

from bot.store import DirectoryEntry


def entry(store, user_id: str, email: str | None = None) -> DirectoryEntry:
    return DirectoryEntry(
        user_id=user_id,
        name=f"Name {user_id}",
        real_name=f"Real {user_id}",
        email=email,
        emails_visible=email is not None,
        fetched_at=store.clock.now(),
    )


def test_entries_are_saved_and_read_back(store):
    assert store.directory.save([entry(store, "U1", "u1@example.com"), entry(store, "U2")]) == 2
    found = store.directory.lookup(["U1", "U2", "U3"])
    assert set(found) == {"U1", "U2"}
    assert found["U1"].name == "Name U1" and found["U1"].email == "u1@example.com"
    assert found["U1"].emails_visible is True and found["U2"].emails_visible is False


def test_lookup_of_more_ids_than_sqlite_takes_in_one_query(store):
    store.directory.save([entry(store, f"U{n:04d}") for n in range(1200)])
    assert len(store.directory.lookup([f"U{n:04d}" for n in range(1200)])) == 1200


def test_entries_go_stale_after_their_age(store, clock):
    store.directory.save([entry(store, "U1")])
    assert store.directory.stale(["U1", "U2"], timedelta(days=1)) == ["U2"]
    clock.advance(timedelta(days=2))
    assert store.directory.stale(["U1", "U2"], timedelta(days=1)) == ["U1", "U2"]


def test_forgotten_people_are_deleted_and_never_cached_again(store):
    store.directory.save([entry(store, "U1", "u1@example.com")])
    store.people.forget_user("U1")
    assert store.directory.lookup(["U1"]) == {}
    assert store.directory.save([entry(store, "U1", "u1@example.com")]) == 0
    assert store.directory.lookup(["U1"]) == {}


def test_a_channel_is_known_once_anything_names_it(store):
    assert store.channels.known("C0NEW") is False
    store.schedules.save("C0NEW", at="09:00", tz="UTC", weekdays="0,1,2,3,4", updated_by="U1")
    assert store.channels.known("C0NEW") is True
    assert store.channels.known("C0OTHER") is False
    assert store.for_team("T0OTHER").channels.known("C0NEW") is False  # another workspace's


def test_each_workspace_has_its_own_names(store):
    mine, theirs = store.for_team("T1"), store.for_team("T2")
    mine.directory.save([entry(store, "U1", "u1@example.com")])
    assert theirs.directory.lookup(["U1"]) == {}  # never shown to another workspace
    assert theirs.directory.stale(["U1"], timedelta(days=1)) == ["U1"]
    theirs.directory.save([DirectoryEntry("U1", "Other", None, None, False, store.clock.now())])
    assert mine.directory.lookup(["U1"])["U1"].name == "Name U1"  # each keeps its own
    assert theirs.directory.lookup(["U1"])["U1"].name == "Other"
    mine.forget_workspace()
    assert mine.directory.lookup(["U1"]) == {}  # a workspace's names go with its data
    assert theirs.directory.lookup(["U1"])["U1"].name == "Other"
