"""The schema the migrations build, pinned column by column, and upgrades of older databases.

As simonw/llm's tests/test_migrate.py does, the expected schema is written out here, not derived
from the migrations: a migration that changes a column, a constraint or an index fails this test
until the test says so too.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlite_utils import Database

from bot.store import ReviewRow, Store
from bot.store.migrations import migrations

MIGRATIONS = [
    "m001_create_claims",
    "m002_create_feedback",
    "m003_create_declined",
    "m004_create_users",
    "m005_create_reviews",
    "m006_create_practice_prompts",
    "m007_create_quiz_posts",
    "m008_create_answers",
    "m009_create_schedules",
    "m010_create_stacks",
    "m011_create_question_versions",
    "m012_create_forgotten",
    "m013_index_answers_for_reports",
    "m014_create_digests",
    "m015_one_open_quiz_per_channel",
    "m016_create_campaigns",
    "m017_every_row_belongs_to_a_workspace",
    "m018_create_installations",
    "m019_create_directory",
]

# Each table's columns in order ("name TYPE [PK] [NOT NULL] [DEFAULT x] [REFERENCES t(c)]"),
# then its indexes by name (primary keys' own indexes left out: "PK" says it).
SCHEMA = {
    "claims": [
        "key TEXT PK",
        "claimed_at TEXT NOT NULL",
    ],
    "feedback": [
        "user_id TEXT PK",
        "question TEXT PK",
        "item_key TEXT PK",
        "item_id TEXT",
        "helpful INTEGER NOT NULL",
        "created_at TEXT NOT NULL",
        "updated_at TEXT NOT NULL",
        "team_id TEXT PK NOT NULL",
    ],
    "declined": [
        "id INTEGER PK",
        "question TEXT NOT NULL",
        "normalized TEXT NOT NULL",
        "user_id TEXT",
        "channel_id TEXT",
        "asked_at TEXT NOT NULL",
        "team_id TEXT NOT NULL",
        "INDEX idx_declined_normalized (normalized)",
        "INDEX idx_declined_team_id_normalized (team_id, normalized)",
        "INDEX idx_declined_user_id (user_id)",
    ],
    "users": [
        "user_id TEXT PK",
        "team_id TEXT PK NOT NULL",
        "tz TEXT",
        "first_seen TEXT NOT NULL",
        "last_seen TEXT NOT NULL",
    ],
    "reviews": [
        "user_id TEXT PK",
        "question_id TEXT PK",
        "box INTEGER NOT NULL",
        "due_at TEXT NOT NULL",
        "last_asked_at TEXT",
        "times_answered INTEGER DEFAULT '0'",
        "times_correct INTEGER DEFAULT '0'",
        "team_id TEXT PK NOT NULL",
    ],
    "practice_prompts": [
        "id TEXT PK",
        "user_id TEXT NOT NULL",
        "channel_id TEXT",
        "question_id TEXT NOT NULL",
        "item_id TEXT",
        "category TEXT",
        "asked_at TEXT NOT NULL",
        "answered_at TEXT",
        "choice TEXT",
        "correct INTEGER",
        "points INTEGER",
        "team_id TEXT NOT NULL",
        "INDEX idx_practice_prompts_team_id_user_id_asked_at (team_id, user_id, asked_at)",
        "INDEX idx_practice_prompts_user_id_asked_at (user_id, asked_at)",
    ],
    "quiz_posts": [
        "id INTEGER PK",
        "channel_id TEXT NOT NULL",
        "team_id TEXT",
        "kind TEXT NOT NULL",
        "slot TEXT",
        "question_id TEXT NOT NULL",
        "item_id TEXT",
        "category TEXT",
        "status TEXT NOT NULL",
        "message_ts TEXT",
        "created_at TEXT NOT NULL",
        "posted_at TEXT",
        "deadline_at TEXT",
        "closed_at TEXT",
        "revealed INTEGER DEFAULT 0",
        "error TEXT",
        "requested_by TEXT",
        "INDEX idx_quiz_posts_channel_id_created_at (channel_id, created_at)",
        "UNIQUE INDEX idx_quiz_posts_one_open (channel_id) WHERE status = 'open'",
        "UNIQUE INDEX idx_quiz_posts_slot (slot)",
        "INDEX idx_quiz_posts_status_deadline_at (status, deadline_at)",
        "INDEX idx_quiz_posts_team_id_status (team_id, status)",
    ],
    "answers": [
        "id INTEGER PK",
        "post_id INTEGER NOT NULL REFERENCES quiz_posts(id)",
        "user_id TEXT NOT NULL",
        "channel_id TEXT NOT NULL",
        "question_id TEXT",
        "category TEXT",
        "choice TEXT",
        "correct INTEGER NOT NULL",
        "points INTEGER NOT NULL",
        "response_ms INTEGER",
        "answered_at TEXT NOT NULL",
        "team_id TEXT NOT NULL",
        "INDEX idx_answers_channel_id_answered_at (channel_id, answered_at)",
        "UNIQUE INDEX idx_answers_post_id_user_id (post_id, user_id)",
        "INDEX idx_answers_report (team_id, user_id, category, answered_at, correct)",
        "INDEX idx_answers_user_id (user_id)",
    ],
    "schedules": [
        "channel_id TEXT PK",
        "team_id TEXT PK NOT NULL",
        "at TEXT NOT NULL",
        "tz TEXT NOT NULL",
        "weekdays TEXT NOT NULL",
        "enabled INTEGER NOT NULL",
        "active_since TEXT NOT NULL",
        "updated_by TEXT",
        "updated_at TEXT NOT NULL",
    ],
    "stacks": [
        "team_id TEXT PK NOT NULL",
        "name TEXT PK",
        "services TEXT NOT NULL",
        "saved_by TEXT",
        "saved_at TEXT NOT NULL",
        "updated_at TEXT NOT NULL",
    ],
    "duty_owners": [
        "team_id TEXT PK NOT NULL",
        "stack TEXT PK",
        "duty TEXT PK",
        "owner_id TEXT NOT NULL",
        "assigned_by TEXT",
        "assigned_at TEXT NOT NULL",
        "INDEX idx_duty_owners_team_id_owner_id (team_id, owner_id)",
    ],
    "question_versions": [
        "question_id TEXT PK",
        "version TEXT PK",
        "first_seen TEXT NOT NULL",
    ],
    "forgotten": [
        "user_hash TEXT PK",
        "forgotten_at TEXT NOT NULL",
        "team_id TEXT PK NOT NULL",
    ],
    "meta": [
        "key TEXT PK",
        "value TEXT",
    ],
    "digests": [
        "channel_id TEXT PK",
        "team_id TEXT PK NOT NULL",
        "enabled INTEGER NOT NULL",
        "weekday INTEGER NOT NULL",
        "at TEXT NOT NULL",
        "tz TEXT NOT NULL",
        "enabled_since TEXT NOT NULL",
        "updated_by TEXT",
        "updated_at TEXT NOT NULL",
    ],
    "digest_posts": [
        "id INTEGER PK",
        "channel_id TEXT NOT NULL",
        "week TEXT",
        "status TEXT NOT NULL",
        "created_at TEXT NOT NULL",
        "posted_at TEXT",
        "team_id TEXT NOT NULL",
        "UNIQUE INDEX idx_digest_posts_team_id_channel_id_week (team_id, channel_id, week)",
    ],
    "campaigns": [
        "channel_id TEXT PK",
        "team_id TEXT PK NOT NULL",
        "target INTEGER NOT NULL",
        "per TEXT NOT NULL",
        "enabled INTEGER NOT NULL",
        "set_by TEXT",
        "set_at TEXT NOT NULL",
    ],
    "campaign_reminders": [
        "user_id TEXT PK",
        "week TEXT PK",
        "channel_id TEXT",
        "sent_at TEXT NOT NULL",
        "team_id TEXT PK NOT NULL",
    ],
    "remind_optouts": [
        "user_id TEXT PK",
        "opted_out_at TEXT",
        "team_id TEXT PK NOT NULL",
    ],
    "installations": [
        "enterprise_id TEXT PK NOT NULL",
        "team_id TEXT PK NOT NULL",
        "is_enterprise_install INTEGER NOT NULL",
        "bot_token TEXT NOT NULL",
        "bot_id TEXT",
        "bot_user_id TEXT",
        "bot_scopes TEXT",
        "bot_refresh_token TEXT",
        "bot_token_expires_at INTEGER",
        "app_id TEXT",
        "team_name TEXT",
        "enterprise_name TEXT",
        "enterprise_url TEXT",
        "installer_user_id TEXT",
        "token_type TEXT",
        "installed_at TEXT NOT NULL",
    ],
    "oauth_states": [
        "state TEXT PK",
        "expires_at TEXT NOT NULL",
    ],
    "workspaces": [
        "team_id TEXT PK",
        "enterprise_id TEXT NOT NULL",
        "first_seen TEXT NOT NULL",
        "uninstalled_at TEXT",
    ],
    "directory": [
        "team_id TEXT PK NOT NULL",
        "user_id TEXT PK",
        "name TEXT",
        "real_name TEXT",
        "email TEXT",
        "emails_visible INTEGER NOT NULL",
        "fetched_at TEXT NOT NULL",
    ],
}


def describe(db: Database, table: str) -> list[str]:
    """The table's columns in order, then its own indexes sorted by name, as SCHEMA writes them."""
    references = {
        fk.column: f"REFERENCES {fk.other_table}({fk.other_column})"
        for fk in db[table].foreign_keys
    }
    lines = []
    for _, name, type_, notnull, default, pk in db.execute(f"PRAGMA table_info([{table}])"):
        parts = [name, type_]
        parts += ["PK"] if pk else []
        parts += ["NOT NULL"] if notnull else []
        parts += [f"DEFAULT {default}"] if default is not None else []
        parts += [references[name]] if name in references else []
        lines.append(" ".join(parts))
    indexes = []
    for _, index, unique, origin, partial in db.execute(f"PRAGMA index_list([{table}])"):
        if origin == "pk":
            continue
        columns = ", ".join(row[2] for row in db.execute(f"PRAGMA index_info([{index}])"))
        line = f"{'UNIQUE ' if unique else ''}INDEX {index} ({columns})"
        if partial:
            sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [index]).fetchone()
            line += " WHERE " + sql[0].split(" WHERE ", 1)[1]
        indexes.append(line)
    return lines + sorted(indexes, key=lambda line: line.split("INDEX ", 1)[1])


def test_a_new_database_has_every_migration_applied_in_order(store):
    assert store.applied_migrations() == MIGRATIONS


def test_a_new_database_has_exactly_these_tables(sqlite_store):
    tables = [t for t in sqlite_store.db.table_names() if not t.startswith("_sqlite")]
    assert sorted(tables) == sorted(SCHEMA)


@pytest.mark.parametrize("table", sorted(SCHEMA))
def test_each_table_has_exactly_these_columns_and_indexes(sqlite_store, table):
    assert describe(sqlite_store.db, table) == SCHEMA[table]  # on PostgreSQL: test_pg_schema.py


def test_reopening_applies_nothing_twice_and_keeps_the_data(tmp_path, clock):
    path = tmp_path / "ofin.db"
    first = Store(path, clock=clock)
    first.claim("k")
    first.close()
    second = Store(path, clock=clock)
    assert second.applied_migrations() == MIGRATIONS
    assert second.claim("k") is False
    second.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0] == len(MIGRATIONS)
    conn.close()


def database_at(path, last: str) -> Database:
    """A database built by the migrations up to and including ``last``, as an old ofin left it."""
    db = Database(path)
    migrations.apply(db, stop_before=MIGRATIONS[MIGRATIONS.index(last) + 1])
    return db


def test_a_database_from_m005_upgrades_and_keeps_its_rows(tmp_path, clock):
    path = tmp_path / "old.db"
    db = database_at(path, "m005_create_reviews")
    assert [m.name for m in migrations.applied(db)] == MIGRATIONS[:5]
    assert sorted(db.table_names()) == [
        "_sqlite_migrations",
        "claims",
        "declined",
        "feedback",
        "reviews",
        "users",
    ]
    at = "2026-01-05T09:00:00.000000+00:00"
    db["claims"].insert(
        {"key": "slack-event:Ev1", "claimed_at": "2026-03-01T09:00:00.000000+00:00"}
    )
    db["feedback"].insert(
        {
            "user_id": "U1",
            "question": "who patches ec2?",
            "item_key": "os",
            "item_id": "os",
            "helpful": 1,
            "created_at": at,
            "updated_at": at,
        }
    )
    db["declined"].insert(
        {
            "question": "Write a poem",
            "normalized": "write a poem",
            "user_id": "U1",
            "channel_id": "C1",
            "asked_at": at,
        }
    )
    db["users"].insert(
        {"user_id": "U1", "team_id": "T1", "tz": "Europe/Paris", "first_seen": at, "last_seen": at}
    )
    db["reviews"].insert(
        {
            "user_id": "U1",
            "question_id": "q1",
            "box": 3,
            "due_at": "2026-01-09T09:00:00.000000+00:00",
            "last_asked_at": at,
        }
    )  # times_answered/times_correct left to their defaults, as m005 allowed
    db.close()

    store = Store(path, clock=clock)
    assert store.applied_migrations() == MIGRATIONS
    for table in SCHEMA:
        assert describe(store.db, table) == SCHEMA[table], table
    # The rows written at m005 are all there, and read back through today's store.
    assert store.claim("slack-event:Ev1") is False
    assert (
        store.people.feedback_for(user_id="U1", question="who patches ec2?", item_id="os") is True
    )
    assert store.declined.top_declined() == [("Write a poem", 1)]
    user = store.people.user("U1")
    assert user is not None
    assert (user.team_id, user.tz, user.first_seen) == (
        "T1",
        "Europe/Paris",
        datetime.fromisoformat(at),
    )
    review = store.practice.reviews_for("U1")["q1"]
    assert review == ReviewRow(
        user_id="U1",
        question_id="q1",
        box=3,
        due_at=datetime(2026, 1, 9, 9, 0, tzinfo=UTC),
        last_asked_at=datetime.fromisoformat(at),
        times_answered=0,  # the defaults m005 gave the columns
        times_correct=0,
    )
    # m012 gave the file its own forgetting key, so forgetting works on an upgraded database.
    assert len(store.db["meta"].get("forget_key")["value"]) == 64
    assert store.people.forget_user("U1") == 4  # feedback, declined, users, reviews
    assert store.people.user("U1") is None
    store.close()


def test_the_m015_upgrade_closes_all_but_the_newest_open_quiz_per_channel(tmp_path, clock):
    path = tmp_path / "old.db"
    db = database_at(path, "m014_create_digests")
    for i, channel in enumerate(["C1", "C1", "C1", "C2"]):
        db["quiz_posts"].insert(
            {
                "channel_id": channel,
                "kind": "manual",
                "question_id": f"q{i}",
                "status": "open",
                "created_at": f"2026-03-02T09:00:0{i}.000000+00:00",
            }
        )
    db.close()
    store = Store(path, clock=clock)
    posts = [store.posts.post(i) for i in (1, 2, 3, 4)]
    assert [(p.channel_id, p.status) for p in posts] == [
        ("C1", "closed"),
        ("C1", "closed"),
        ("C1", "open"),
        ("C2", "open"),
    ]
    assert posts[0].closed_at == datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)  # its created_at
    assert (posts[0].error, posts[0].requested_by) == (None, None)  # the new columns
    assert [p.id for p in store.posts.posts_to_reveal()] == [1, 2]
    store.close()
