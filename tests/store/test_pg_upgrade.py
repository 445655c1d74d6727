"""A PostgreSQL database made by an older ofin is upgraded at start, once, and loses nothing.

The old database is test_upgrade.py's: a quarter of activity at the single-workspace release's
schema (m016), plus a row in every other table. Its rows are put on PostgreSQL at that schema
(``copy_database``: what ``db copy-to-postgres`` would have made then), three workers start on it
at once, and one of them applies m017… from the same migration functions as SQLite's: every
table keeps its rows, every row gets its workspace, and the report, the export and the
leaderboards read as they did before. ``db copy-to-postgres`` itself is tested at the end.
"""

from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlite_utils import Database

from bot.clock import FakeClock
from bot.store import Store, StoreError
from bot.store.migrations import migrations
from bot.store.pg_conn import connect
from bot.store.pg_copy import copy_database
from bot.store.pg_migrate import apply_schema
from bot.training.report import answer_rows, build_report
from tests.store.pg_server import database_url
from tests.store.test_migrations import MIGRATIONS
from tests.store.test_pg_schema import assert_tables_as_migrated
from tests.store.test_upgrade import (
    CHANNELS,
    EXTRA_ROWS,
    FORGOTTEN,
    KB,
    QUARTER,
    TEAM,
    counts,
    old_database,
    seed,
)

OLD = "m017_every_row_belongs_to_a_workspace"  # the first migration the old database lacks
CLOCK = FakeClock(datetime(2027, 1, 6, 18, tzinfo=UTC))


def empty_database(server_url: str, name: str) -> str:
    with connect(server_url) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    return database_url(server_url, name)


def pg_counts(url: str) -> dict[str, int]:
    with connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                "AND table_name != 'schema_migrations'"
            )
        ]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """The old file (m016) and what today's store read from the data before the upgrade."""
    folder = tmp_path_factory.mktemp("pg-upgrade")
    store, _, _ = seed(folder / "seeded.db", KB)
    store.people.forget_user(FORGOTTEN)
    before = {
        "report": build_report(store, KB, QUARTER),
        "answers": answer_rows(store, QUARTER),
        "boards": {c: store.scores.leaderboard(c) for c in CHANNELS},
    }
    store.close()
    old_database(folder / "seeded.db", folder / "old.db")
    return {"folder": folder, "old": folder / "old.db", **before}


@pytest.fixture(scope="module")
def upgraded(seeded, pg_server_url, caplog_module):
    url = empty_database(pg_server_url, "ofin_old_release")
    old = Database(seeded["old"])
    copied = copy_database(old, url)  # PostgreSQL at m016, as that release would have had it
    old.close()
    with connect(url) as conn:
        recorded = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY 1")]
    assert recorded == MIGRATIONS[: MIGRATIONS.index(OLD)]
    before = pg_counts(url)
    # Three workers start together: one upgrades, the others wait for it and find it done.
    with ThreadPoolExecutor(3) as pool:
        stores = list(pool.map(lambda _: Store(url, clock=CLOCK), range(3)))
    yield {"url": url, "stores": stores, "copied": copied, "before": before, **seeded}
    for store in stores:
        store.close()


@pytest.fixture(scope="module")
def caplog_module():
    """Every upgrade message of the module's workers (caplog is per test)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("bot.store.pg_migrate")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def test_the_old_database_is_on_postgresql_as_the_old_release_kept_it(upgraded):
    assert upgraded["copied"] == counts(upgraded["old"])
    assert upgraded["copied"]["answers"] > 2000  # a real quarter, not an empty database


def test_three_workers_starting_together_upgrade_it_once(upgraded, caplog_module):
    starts = [r.getMessage() for r in caplog_module if "applying" in r.getMessage()]
    assert starts == [f"upgrading the PostgreSQL database: applying {', '.join(MIGRATIONS[16:])}"]
    for store in upgraded["stores"]:
        assert store.applied_migrations() == sorted(MIGRATIONS)
    apply_schema(upgraded["url"])  # a fourth, later: nothing left to do
    assert len([r for r in caplog_module if "applying" in r.getMessage()]) == 1


def test_the_schema_is_todays_table_by_table(upgraded):
    with connect(upgraded["url"]) as conn:
        assert_tables_as_migrated(conn)
        keys = conn.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' ORDER BY 1"
        ).fetchall()
        assert keys == [("fk_answers_post_id",)]


def test_every_table_keeps_its_rows_and_every_row_its_workspace(upgraded):
    after = pg_counts(upgraded["url"])
    before = upgraded["before"]
    assert {t: after[t] for t in before} == before | {"meta": before["meta"] + 1}  # home_team
    store = upgraded["stores"][0]
    assert store.team == TEAM
    with connect(upgraded["url"]) as conn:
        for table in EXTRA_ROWS | {"answers": [], "quiz_posts": [], "practice_prompts": []}:
            teams = {r[0] for r in conn.execute(f'SELECT DISTINCT team_id FROM "{table}"')}
            assert teams == {TEAM}, table


def test_the_report_export_and_leaderboards_read_the_same(upgraded):
    store = upgraded["stores"][1]
    before = upgraded["report"]
    after = build_report(store, KB, QUARTER)
    same = dataclasses.replace(after, generated_at=before.generated_at, workspace=before.workspace)
    assert same == before
    assert answer_rows(store, QUARTER) == upgraded["answers"]
    assert {c: store.scores.leaderboard(c) for c in CHANNELS} == upgraded["boards"]
    assert store.people.user_hash(FORGOTTEN) in store.people.forgotten_hashes()
    assert store.schedules.get(CHANNELS[0]).enabled
    assert store.digests.claim(CHANNELS[1], "2026-W49") is None  # that week stays posted


def test_new_rows_get_new_ids_after_the_copied_ones(upgraded):
    store = upgraded["stores"][2]
    with connect(upgraded["url"]) as conn:
        (highest,) = conn.execute("SELECT MAX(id) FROM quiz_posts").fetchone()
    post = store.posts.create_post(
        channel_id="CNEW", kind="manual", slot=None, question_id="q", item_id=None, category="c"
    )
    assert post is not None and post.id > highest
    store.declined.record_declined(question="a sonnet", user_id="U001", channel_id="CNEW")
    assert ("a sonnet", 1) in store.declined.top_declined()


def test_a_database_with_a_gap_in_its_migrations_is_refused(pg_server_url):
    url = empty_database(pg_server_url, "ofin_gap")
    apply_schema(url)
    with connect(url) as conn:
        conn.execute("DELETE FROM schema_migrations WHERE name = %s", [MIGRATIONS[3]])
    with pytest.raises(StoreError, match="cannot be upgraded in place"):
        apply_schema(url)


# --- db copy-to-postgres ----------------------------------------------------------------------


def test_copy_moves_every_row_of_todays_file_and_refuses_a_database_in_use(
    seeded, pg_server_url, tmp_path
):
    current = tmp_path / "current.db"
    current.write_bytes(seeded["old"].read_bytes())
    Store(current, clock=CLOCK).close()  # the file is upgraded first, as at any start
    url = empty_database(pg_server_url, "ofin_copied")
    source = Database(current)
    copied = copy_database(source, url)
    assert copied == counts(current) == pg_counts(url)
    store = Store(url, clock=CLOCK)
    assert store.applied_migrations() == sorted(MIGRATIONS)
    before = seeded["report"]
    after = build_report(store, KB, QUARTER)
    assert after.workspace == TEAM  # the home workspace the file's upgrade recorded
    same = dataclasses.replace(after, generated_at=before.generated_at, workspace=before.workspace)
    assert same == before
    assert (
        store.people.user_hash(FORGOTTEN) in store.people.forgotten_hashes()
    )  # the file's forgetting key
    store.close()
    with pytest.raises(StoreError, match="not empty"):
        copy_database(source, url)
    source.close()
    assert pg_counts(url) == copied  # the refused copy left nothing behind


def test_copy_into_a_schema_at_other_migrations_is_refused(seeded, pg_server_url):
    url = empty_database(pg_server_url, "ofin_not_copied")
    old = Database(seeded["old"])
    assert OLD not in [m.name for m in migrations.applied(old)]
    # Into a database a worker of today made, an old file is refused (its schema differs).
    apply_schema(url)
    with pytest.raises(StoreError, match="other migrations"):
        copy_database(old, url)
    old.close()
