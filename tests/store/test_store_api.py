"""One way into the store (issue 19): every read and write has one name, its repository's.

``store.posts.create_post``, never also ``store.create_post``: a second name for an operation is
a second place to stub, grep and document. ``Store`` keeps only what no repository owns.
"""

from __future__ import annotations

from bot.store import Store

#: The repositories, each an attribute of every view.
REPOSITORIES = {
    "people",
    "declined",
    "practice",
    "posts",
    "schedules",
    "scores",
    "stacks",
    "digests",
    "campaigns",
    "reports",
    "versions",
    "directory",
    "channels",
    "installations",
    "scheduled_work",  # which workspaces have scheduled work, for the scheduler loop
}
#: What a view is: its workspace, where its database is, the clock, the engine's name.
VALUES = {"team", "path", "clock", "engine"}
#: The store's own: its workspaces, and the database's operations (claims are the installation's,
#: not one workspace's; readiness, leadership, migrations, closing are the connection's).
STORE_OWN = {
    "for_team",
    "adopt_workspace",
    "forget_workspace",
    "db",
    "problem",
    "leads_schedules",
    "claim",
    "prune_claims",
    "applied_migrations",
    "close",
}


def public(names) -> set[str]:
    return {name for name in names if not name.startswith("_")}


def test_a_store_holds_repositories_and_values_never_another_objects_operations(store):
    store.adopt_workspace("T1")  # binds the repositories again: still no aliases
    for view in (store, store.for_team("T2")):
        attributes = {name: getattr(view, name) for name in public(vars(view))}
        assert [name for name, value in attributes.items() if callable(value)] == []
        assert set(attributes) == REPOSITORIES | VALUES
        for name in REPOSITORIES:
            assert type(attributes[name]).__module__.startswith("bot.store."), name


def test_the_store_class_offers_only_its_own_operations():
    """A method added to Store that forwards to a repository is an alias by another route: adding
    one means adding its name here, as the store's own."""
    assert public(vars(Store)) == STORE_OWN
