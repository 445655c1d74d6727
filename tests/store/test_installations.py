"""Installations, OAuth states and the retention of uninstalled workspaces' data."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.store import DirectoryEntry, InstallationRow


def row(team: str, token: str, enterprise: str = "", org_wide: bool = False) -> InstallationRow:
    return InstallationRow(
        enterprise_id=enterprise, team_id=team, is_enterprise_install=org_wide, bot_token=token
    )


def test_each_workspace_finds_its_own_installation_and_a_reinstall_replaces_it(store):
    installs = store.installations
    installs.save(row("T1", "xoxb-1"))
    installs.save(row("T2", "xoxb-2"))
    installs.save(row("T1", "xoxb-1b"))  # reinstalled: a new token
    assert installs.find(None, "T1").bot_token == "xoxb-1b"
    assert installs.find(None, "T2").bot_token == "xoxb-2"
    assert installs.find(None, "T3") is None
    assert [r.team_id for r in installs.all()] == ["T1", "T2"]


def test_an_org_wide_install_serves_the_orgs_workspaces_and_no_other(store):
    installs = store.installations
    installs.save(row("", "xoxb-org", enterprise="E1", org_wide=True))
    installs.save(row("T9", "xoxb-own", enterprise="E1"))
    assert installs.find("E1", "T5").bot_token == "xoxb-org"  # any workspace of the org
    assert installs.find("E1", "T9").bot_token == "xoxb-own"  # its own install first
    assert installs.find("E1", None, org_wide=True).bot_token == "xoxb-org"
    assert installs.find("E2", "T5") is None
    assert installs.find(None, "T5") is None


def test_uninstalling_deletes_the_installation_and_starts_the_retention(store, clock):
    installs = store.installations
    installs.save(row("T1", "xoxb-1"))
    installs.save(row("T2", "xoxb-2"))
    assert installs.delete(None, "T1") == 1
    assert installs.find(None, "T1") is None
    clock.advance(days=29)
    assert installs.expired(timedelta(days=30)) == []
    clock.advance(days=2)
    assert installs.expired(timedelta(days=30)) == ["T1"]
    installs.save(row("T1", "xoxb-again"))  # back before the retention pass: kept
    assert installs.expired(timedelta(days=30)) == []


def test_forgetting_a_workspace_deletes_its_rows_only(store):
    mine, theirs = store.for_team("T1"), store.for_team("T2")
    for view in (mine, theirs):
        view.declined.record_declined(question="a poem", user_id="U1", channel_id="C1")
        view.people.touch_user("U1")
        view.stacks.save("web", ["ec2"], "U1")
        view.schedules.save("C1", at="09:00", tz="UTC", weekdays="mon", updated_by="U1")
        post = view.posts.create_post(
            channel_id="C1", kind="manual", slot=None, question_id="q", item_id=None, category=None
        )
        view.posts.record_answer(
            post_id=post.id, user_id="U1", choice="aws", correct=True, points=10, response_ms=5
        )
        view.directory.save([DirectoryEntry("U1", "Ada", "Ada", None, False, store.clock.now())])
    store.installations.save(row("T1", "xoxb-1"))
    # declined, user, stack, schedule, post, answer, the cached name
    assert mine.forget_workspace() == 7
    assert mine.directory.lookup(["U1"]) == {} and "U1" in theirs.directory.lookup(["U1"])
    assert mine.declined.top_declined() == [] and mine.people.user("U1") is None
    assert mine.scores.leaderboard("C1") == [] and mine.stacks.names() == []
    assert theirs.declined.top_declined() == [("a poem", 1)]
    assert [p.user_id for p in theirs.scores.leaderboard("C1")] == ["U1"]
    assert theirs.schedules.get("C1") is not None
    assert store.installations.find(None, "T1") is not None  # still installed: it still answers


def test_the_end_of_the_retention_deletes_the_data_and_the_record(store, clock):
    view = store.for_team("T1")
    view.declined.record_declined(question="a poem", user_id="U1", channel_id="C1")
    store.for_team("T2").declined.record_declined(question="a poem", user_id="U1", channel_id="C1")
    store.installations.save(row("T1", "xoxb-1"))
    store.installations.delete(None, "T1")
    assert [w.team_id for w in store.installations.workspaces()] == ["T1"]
    assert store.installations.purge("T1") == 1
    assert view.declined.top_declined() == [] and store.installations.workspaces() == []
    assert store.for_team("T2").declined.top_declined() == [("a poem", 1)]


def test_an_oauth_state_is_consumed_once_and_expires(store, clock):
    installs = store.installations
    state = installs.issue_state(timedelta(minutes=10))
    assert installs.consume_state(state) is True
    assert installs.consume_state(state) is False  # a replayed redirect
    late = installs.issue_state(timedelta(minutes=10))
    clock.advance(minutes=11)
    assert installs.consume_state(late) is False
    assert installs.consume_state("made-up") is False


def test_a_worker_reads_an_installation_once_per_cache_period_and_its_own_writes_at_once(
    store, store_target, clock, monkeypatch
):
    import time as real_time

    from bot.store import Store
    from bot.store import installations as module

    monkeypatch.setattr(module, "CACHE_SECONDS", 0.3)
    installs = store.installations
    installs.save(row("T1", "xoxb-1"))
    assert installs.find(None, "T1").bot_token == "xoxb-1"
    other = Store(store_target, clock=clock, team="T1")  # another worker on the same database
    try:
        other.installations.save(row("T1", "xoxb-2"))  # reinstalled through that worker
        assert installs.find(None, "T1").bot_token == "xoxb-1"  # cached here for a moment
        real_time.sleep(0.35)
        assert installs.find(None, "T1").bot_token == "xoxb-2"  # then read again
        other.installations.delete(None, "T1")
        real_time.sleep(0.35)
        assert installs.find(None, "T1") is None  # an uninstall elsewhere shows as soon
    finally:
        other.close()
    installs.save(row("T1", "xoxb-3"))
    assert installs.find(None, "T1").bot_token == "xoxb-3"
    # Every workspace's view shares one cache: an uninstall seen through any clears it at once.
    store.for_team("T7").installations.delete(None, "T1")
    assert installs.find(None, "T1") is None


def test_a_read_racing_a_write_does_not_keep_the_row_as_it_was(store, monkeypatch):
    """A request that reads the installation while this worker's reinstall or uninstall is being
    written caches the old row; the write clears the cache again once it has committed."""
    from contextlib import contextmanager

    installs = store.installations
    installs.save(row("T1", "xoxb-1"))
    write = installs._db.write

    @contextmanager
    def write_with_a_read_meanwhile():
        installs.find(None, "T1")  # another request thread, before the write commits
        with write() as db:
            yield db

    monkeypatch.setattr(installs._db, "write", write_with_a_read_meanwhile)
    installs.save(row("T1", "xoxb-2"))
    assert installs.find(None, "T1").bot_token == "xoxb-2"
    installs.delete(None, "T1")
    assert installs.find(None, "T1") is None


def test_a_token_near_its_expiry_is_read_from_the_database_each_time(store, store_target, clock):
    import time as real_time

    from bot.store import Store

    soon = int(real_time.time()) + 3600  # token rotation refreshes it within the next hour
    installs = store.installations
    installs.save(replace(row("T1", "xoxb-old"), bot_token_expires_at=soon, bot_refresh_token="r"))
    assert installs.find(None, "T1").bot_token == "xoxb-old"
    other = Store(store_target, clock=clock, team="T1")
    try:  # another worker rotated it
        other.installations.save(
            replace(row("T1", "xoxb-new"), bot_token_expires_at=soon + 43200, bot_refresh_token="r")
        )
    finally:
        other.close()
    assert installs.find(None, "T1").bot_token == "xoxb-new"  # not the cached, stale one


def test_scheduled_work_names_the_workspaces_each_scheduler_has_work_in(store):
    work = store.scheduled_work
    assert work.teams() == {"daily": set(), "digest": set(), "campaigns": set()}
    t2, t3, t4 = store.for_team("T2"), store.for_team("T3"), store.for_team("T4")
    t2.schedules.save("C2", at="09:00", tz="UTC", weekdays="mon", updated_by="U1")
    post = t3.posts.create_post(
        channel_id="C3", kind="manual", slot=None, question_id="q", item_id="i", category=None
    )
    t4.digests.save("C4", weekday=0, at="09:00", tz="UTC", updated_by="U1")
    t4.campaigns.save("C4", target=3, per="week", set_by="U1")
    assert work.teams() == {"daily": {"T2", "T3"}, "digest": {"T4"}, "campaigns": {"T4"}}
    # T3's post (not yet in Slack: its pass resumes it) closes; until it is revealed, its pass
    # still has work; then none.
    t3.posts.mark_posted(post.id, message_ts="1.0", deadline_at=store.clock.now())
    assert t3.posts.close_post(post.id)
    assert "T3" in work.teams()["daily"]
    t3.posts.mark_revealed(post.id)
    assert work.teams()["daily"] == {"T2"}
    assert t2.schedules.disable("C2")
    assert work.teams()["daily"] == set()
