"""Saved stacks and their duty owners, per workspace."""

from __future__ import annotations

from bot.store import SavedStack


def test_a_saved_stack_keeps_its_saver_and_owners_when_its_services_change(store):
    stacks = store.stacks
    assert stacks.get("T1", "web") is None
    stacks.save("T1", "web", ["ec2", "rds"], "U1")
    stacks.assign("T1", "web", "data:backups", "U2", by="U1")
    stacks.save("T1", "web", ["ec2", "s3"], "U3")  # a change of services, by someone else
    assert stacks.get("T1", "web") == SavedStack(
        team_id="T1",
        name="web",
        services=("ec2", "s3"),
        saved_by="U1",
        owners={"data:backups": "U2"},
    )
    stacks.assign("T1", "web", "data:backups", "U4", by="U1")  # a new owner replaces the old
    assert stacks.get("T1", "web").owners == {"data:backups": "U4"}


def test_stacks_are_per_workspace(store):
    store.stacks.save("T1", "web", ["ec2"], "U1")
    store.stacks.save("T1", "api", ["lambda"], "U1")
    store.stacks.save("T2", "web", ["rds"], "U9")
    store.stacks.assign("T1", "api", "compute:patching", "U2", by="U1")
    store.stacks.assign("T2", "web", "compute:patching", "U2", by="U9")
    assert store.stacks.names("T1") == ["api", "web"]
    assert store.stacks.get("T2", "web").services == ("rds",)
    assert store.stacks.duties_of("T1", "U2") == [("api", "compute:patching")]


def test_forgetting_the_saver_keeps_the_stack(store):
    store.stacks.save("T1", "web", ["ec2"], "U1")
    store.stacks.assign("T1", "web", "compute:patching", "U1", by="U1")
    store.forget_user("U1")
    saved = store.stacks.get("T1", "web")
    assert (saved.saved_by, saved.owners) == (None, {})
