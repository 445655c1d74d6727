"""Upgrading a database made by the single-workspace release (schema m016) loses nothing.

The old database is built here: a quarter of activity made through the app's own code
(tests/report_seed.py), copied column by column into a file that the migrations stopped at m016
(so it has exactly the old schema), with what the old code wrote into its team columns, plus a
row in every other table. Opened by today's store, every table keeps its rows and the training
report, the answers export and the leaderboards read the same as on the data before the upgrade.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.clock import FakeClock
from bot.kb.loader import load
from bot.store import Store
from bot.store.migrations import migrations
from bot.training.periods import Period
from bot.training.report import answer_rows, build_report
from tests.report_seed import CHANNELS, Q4_END, Q4_START, seed

KB = load()
TEAM = "T0TEST"  # the workspace the old release served (what Slack sent it as team_id)
AT = "2026-12-01T09:00:00.000000+00:00"
QUARTER = Period("2026-Q4", "quarter", Q4_START, Q4_END)

# Rows the seed does not make, as the m016 code wrote them.
EXTRA_ROWS: dict[str, list[dict]] = {
    "feedback": [
        {
            "user_id": "U001",
            "question": "who patches ec2?",
            "item_key": "os",
            "item_id": "os",
            "helpful": 1,
            "created_at": AT,
            "updated_at": AT,
        }
    ],
    "declined": [{"question": "a poem", "normalized": "a poem", "user_id": "U001", "asked_at": AT}],
    "schedules": [
        {
            "channel_id": CHANNELS[0],
            "team_id": TEAM,
            "at": "09:00",
            "tz": "UTC",
            "weekdays": "mon,tue,wed,thu,fri",
            "enabled": 1,
            "active_since": AT,
            "updated_at": AT,
        }
    ],
    "stacks": [
        {"team_id": TEAM, "name": "web", "services": "ec2,rds", "saved_at": AT, "updated_at": AT}
    ],
    "duty_owners": [
        {"team_id": TEAM, "stack": "web", "duty": "d:1", "owner_id": "U002", "assigned_at": AT}
    ],
    "digests": [
        {
            "channel_id": CHANNELS[1],
            "team_id": TEAM,
            "enabled": 1,
            "weekday": 4,
            "at": "16:00",
            "tz": "UTC",
            "enabled_since": AT,
            "updated_at": AT,
        }
    ],
    "digest_posts": [
        {"channel_id": CHANNELS[1], "week": "2026-W49", "status": "posted", "created_at": AT}
    ],
    "campaigns": [
        {
            "channel_id": CHANNELS[2],
            "team_id": TEAM,
            "target": 10,
            "per": "quarter",
            "enabled": 1,
            "set_at": AT,
        }
    ],
    "campaign_reminders": [
        {"user_id": "U003", "week": "2026-W49", "channel_id": CHANNELS[2], "sent_at": AT}
    ],
    "remind_optouts": [{"user_id": "U004", "opted_out_at": AT}],
}
FORGOTTEN = "U010"  # asked to be forgotten before the upgrade


def old_database(source: Path, target: Path) -> None:
    """A file with m016's schema holding the rows of ``source``, as the old release kept them."""
    old = Database(target)
    migrations.apply(old, stop_before="m017_every_row_belongs_to_a_workspace")
    new = sqlite3.connect(source)
    new.row_factory = sqlite3.Row
    old["meta"].delete_where()
    for table in old.table_names():
        if table.startswith("_sqlite"):
            continue
        columns = list(old[table].columns_dict)
        rows = [dict(r) for r in new.execute(f"SELECT {', '.join(columns)} FROM [{table}]")]
        if table == "meta":
            rows = [r for r in rows if r["key"] == "forget_key"]
        for row in rows:
            if "team_id" in row and table in ("users", "quiz_posts"):
                row["team_id"] = TEAM  # the old code wrote the team Slack named
        old[table].insert_all(rows + EXTRA_ROWS.get(table, []))
    new.close()
    old.close()


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith(("_sqlite", "sqlite_"))
        ]
        return {t: conn.execute(f"SELECT COUNT(*) FROM [{t}]").fetchone()[0] for t in tables}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("upgrade")
    store, _, _ = seed(folder / "seeded.db", KB)
    store.people.forget_user(FORGOTTEN)
    before_report = build_report(store, KB, QUARTER)
    before_answers = answer_rows(store, QUARTER)
    before_boards = {c: store.scores.leaderboard(c) for c in CHANNELS}
    store.close()
    old_database(folder / "seeded.db", folder / "old.db")
    old_counts = counts(folder / "old.db")
    after = Store(folder / "old.db", clock=FakeClock(datetime(2027, 1, 6, 18, tzinfo=UTC)))
    yield {
        "path": folder / "old.db",
        "store": after,
        "old_counts": old_counts,
        "report": before_report,
        "answers": before_answers,
        "boards": before_boards,
    }
    after.close()


def test_every_table_keeps_its_rows(upgraded):
    after = counts(upgraded["path"])
    assert upgraded["old_counts"]["answers"] > 2000  # a real quarter, not an empty file
    expected = upgraded["old_counts"] | {"meta": upgraded["old_counts"]["meta"] + 1}  # home_team
    assert {t: after[t] for t in upgraded["old_counts"]} == expected


def test_every_row_now_belongs_to_the_workspace_the_old_release_served(upgraded):
    store = upgraded["store"]
    assert store.team == TEAM
    assert store.db["meta"].get("home_team")["value"] == TEAM
    for table in EXTRA_ROWS | {"answers": [], "quiz_posts": [], "practice_prompts": []}:
        teams = {r[0] for r in store.db.execute(f"SELECT DISTINCT team_id FROM [{table}]")}
        assert teams == {TEAM}, table


def test_the_report_export_and_leaderboards_read_the_same(upgraded):
    store = upgraded["store"]
    before = upgraded["report"]
    after = build_report(store, KB, QUARTER)
    assert after.workspace == TEAM  # as the old report named it (from its posts)
    same = dataclasses.replace(after, generated_at=before.generated_at, workspace=before.workspace)
    assert same == before
    assert before.answered > 2000 and before.forgotten == 1
    assert answer_rows(store, QUARTER) == upgraded["answers"]
    assert {c: store.scores.leaderboard(c) for c in CHANNELS} == upgraded["boards"]


def test_the_extra_rows_read_back_through_todays_store(upgraded):
    store = upgraded["store"]
    assert (
        store.people.feedback_for(user_id="U001", question="who patches ec2?", item_id="os") is True
    )
    assert store.declined.top_declined() == [("a poem", 1)]
    assert store.schedules.get(CHANNELS[0]).enabled
    assert store.stacks.get("web").owners == {"d:1": "U002"}
    assert store.digests.get(CHANNELS[1]).weekday == 4
    assert store.digests.claim(CHANNELS[1], "2026-W49") is None  # that week stays posted
    assert store.campaigns.get(CHANNELS[2]).target == 10
    assert store.campaigns.claim_reminder("U003", "2026-W49", CHANNELS[2]) is False
    assert store.campaigns.opted_out() == frozenset({"U004"})
    assert store.people.user_hash(FORGOTTEN) in store.people.forgotten_hashes()


def test_a_database_that_never_named_its_workspace_is_adopted_at_the_first_start(tmp_path, clock):
    old = Database(tmp_path / "old.db")
    migrations.apply(old, stop_before="m017_every_row_belongs_to_a_workspace")
    old["feedback"].insert_all(EXTRA_ROWS["feedback"])  # made on the console: no team anywhere
    old["declined"].insert_all(EXTRA_ROWS["declined"])
    old.close()
    store = Store(tmp_path / "old.db", clock=clock)
    assert store.team == ""  # not known yet
    assert store.declined.top_declined() == [("a poem", 1)]
    assert store.adopt_workspace("T9") == 2  # auth.test at the first start in Slack
    assert store.team == "T9"
    assert store.declined.top_declined() == [("a poem", 1)]
    assert store.for_team("T8").declined.top_declined() == []
    store.close()
    reopened = Store(tmp_path / "old.db", clock=clock)
    assert reopened.team == "T9"
    assert reopened.people.feedback_counts() == (1, 0)
    reopened.close()


def test_a_database_from_the_single_workspace_names_release_upgrades(tmp_path, clock):
    """That release cached names in its own m017_create_directory, keyed by user only: the
    workspace migrations run after it, and the cache is made again, keyed by team and user."""
    old = Database(tmp_path / "old.db")
    migrations.apply(old, stop_before="m017_every_row_belongs_to_a_workspace")
    old["users"].insert(
        {"user_id": "U001", "team_id": TEAM, "tz": None, "first_seen": AT, "last_seen": AT}
    )
    old["directory"].create(  # as its m017_create_directory made it
        {
            "user_id": str,
            "team_id": str,
            "name": str,
            "real_name": str,
            "email": str,
            "emails_visible": int,
            "fetched_at": str,
        },
        pk="user_id",
        not_null={"fetched_at", "emails_visible"},
    )
    old["directory"].insert(
        {"user_id": "U001", "team_id": TEAM, "name": "Ada", "emails_visible": 0, "fetched_at": AT}
    )
    old["_sqlite_migrations"].insert(
        {"migration_set": "ofin", "name": "m017_create_directory", "applied_at": AT}
    )
    old.close()
    store = Store(tmp_path / "old.db", clock=clock)
    assert store.team == TEAM
    assert store.db["directory"].pks == ["team_id", "user_id"]
    assert store.directory.lookup(["U001"]) == {}  # a cache: refilled at the next report
    assert store.directory.stale(["U001"], timedelta(days=1)) == ["U001"]
    assert store.people.user("U001") is not None
    store.close()
