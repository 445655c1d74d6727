"""doctor's local checks: each says what it found, and the fix when it failed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.clock import SystemClock
from bot.ops.doctor import check_database, check_knowledge, check_postgres, check_settings
from bot.store import Store
from bot.store.pg_conn import connect
from tests.store.pg_server import fresh_database


def test_the_database_checks(tmp_path: Path):
    missing = tmp_path / "data" / "ofin.db"
    check, channels = check_database(missing)
    assert check.ok and "created at the first start" in check.detail and channels == []

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    check, _ = check_database(garbage)
    assert not check.ok and "cannot be used" in check.detail and check.fix

    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.commit()
    check, _ = check_database(foreign)
    assert not check.ok and "not an ofin database" in check.detail

    good = tmp_path / "ofin.db"
    store = Store(good, clock=SystemClock())
    store.schedules.save(channel_id="C1", at="09:00", tz="UTC", weekdays="12345", updated_by="U1")
    check, channels = check_database(good)
    assert check.ok and "integrity ok" in check.detail and channels == ["C1"]


def test_the_settings_check_names_the_mode_or_the_problem():
    check, settings = check_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert check.ok and "Socket Mode" in check.detail and settings is not None
    check, _ = check_settings({"SLACK_BOT_TOKEN": "xoxb-1"})
    assert not check.ok and "SLACK_SIGNING_SECRET" in (check.fix or "")
    check, settings = check_settings({"SLACK_BOT_TOKEN": "not-a-token"})
    assert not check.ok and "SLACK_BOT_TOKEN must start with 'xoxb-'" in check.detail
    assert settings is None
    oauth = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": "x"}
    check, settings = check_settings(oauth)
    assert check.ok and "OAuth installs" in check.detail and settings is not None


def test_a_broken_knowledge_base_points_at_kb_check(tmp_path: Path):
    (tmp_path / "broken.yaml").write_text("items: [{id: 1}]\n")
    check, kb = check_knowledge(tmp_path)
    assert not check.ok and kb is None and "kb check" in (check.fix or "")


def test_the_postgresql_checks(pg_server_url: str):
    url = fresh_database(pg_server_url)
    with connect(url) as conn:
        conn.execute("DROP TABLE schema_migrations")  # a fresh database: nothing made yet
    check, channels = check_postgres(url)
    assert check.ok and "schema made at first start" in check.detail and channels == []

    store = Store(url, clock=SystemClock())
    store.schedules.save(channel_id="C1", at="09:00", tz="UTC", weekdays="12345", updated_by="U1")
    store.close()
    check, channels = check_postgres(url)
    assert check.ok and "migrations applied" in check.detail and channels == ["C1"]

    wrong = "postgresql://ofin:secret@127.0.0.1:1/nowhere?connect_timeout=2"
    check, _ = check_postgres(wrong)
    assert not check.ok and "OFIN_DATABASE_URL" in check.fix and "secret" not in check.detail
