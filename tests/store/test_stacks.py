"""Saved stacks and their duty owners, per workspace."""

from __future__ import annotations

from bot.store import SavedStack


def test_a_saved_stack_keeps_its_saver_and_owners_when_its_services_change(store):
    stacks = store.stacks
    assert stacks.get("web") is None
    stacks.save("web", ["ec2", "rds"], "U1")
    stacks.assign("web", "data:backups", "U2", by="U1")
    stacks.save("web", ["ec2", "s3"], "U3")  # a change of services, by someone else
    assert stacks.get("web") == SavedStack(
        team_id="T1",
        name="web",
        services=("ec2", "s3"),
        saved_by="U1",
        owners={"data:backups": "U2"},
    )
    stacks.assign("web", "data:backups", "U4", by="U1")  # a new owner replaces the old
    assert stacks.get("web").owners == {"data:backups": "U4"}


def test_stacks_are_per_workspace(store):
    store.stacks.save("web", ["ec2"], "U1")
    store.stacks.save("api", ["lambda"], "U1")
    other = store.for_team("T2").stacks
    other.save("web", ["rds"], "U9")
    store.stacks.assign("api", "compute:patching", "U2", by="U1")
    other.assign("web", "compute:patching", "U2", by="U9")
    assert store.stacks.names() == ["api", "web"]
    assert store.stacks.get("web").services == ("ec2",)
    assert other.get("web").services == ("rds",)
    assert other.names() == ["web"]
    assert store.stacks.duties_of("U2") == [("api", "compute:patching")]


def test_forgetting_the_saver_keeps_the_stack(store):
    store.stacks.save("web", ["ec2"], "U1")
    store.stacks.assign("web", "compute:patching", "U1", by="U1")
    store.people.forget_user("U1")
    saved = store.stacks.get("web")
    assert (saved.saved_by, saved.owners) == (None, {})
