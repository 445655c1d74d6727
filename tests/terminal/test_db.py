"""`db backup` and `db check` on real SQLite files, one of them written to during the backup."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from bot.clock import SystemClock
from bot.store import Store
from bot.terminal.db import run_backup, run_check, run_copy_to_postgres

REPO = Path(__file__).resolve().parents[2]


def filled(path: Path, claims: int = 2000) -> Store:
    store = Store(path, clock=SystemClock())
    for i in range(claims):
        store.claim(f"k{i}")
    return store


def test_backup_of_a_live_database_is_a_consistent_copy(tmp_path, capsys):
    store = filled(tmp_path / "ofin.db")
    stop = threading.Event()
    written = []

    def writer() -> None:
        i = 0
        while not stop.is_set() and i < 20_000:
            store.claim(f"live{i}")
            written.append(i)
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        code = run_backup(tmp_path / "copy" / "ofin-backup.db", db_path=tmp_path / "ofin.db")
    finally:
        stop.set()
        thread.join()
    assert code == 0
    assert "integrity ok" in capsys.readouterr().out
    copy = sqlite3.connect(tmp_path / "copy" / "ofin-backup.db")
    (count,) = copy.execute("SELECT COUNT(*) FROM claims").fetchone()
    (live,) = copy.execute("SELECT COUNT(*) FROM claims WHERE key LIKE 'live%'").fetchone()
    copy.close()
    assert count == 2000 + live and 0 <= live <= len(written)
    assert run_check(tmp_path / "copy" / "ofin-backup.db") == 0
    store.close()


def test_backup_never_overwrites_and_needs_a_database(tmp_path, capsys):
    filled(tmp_path / "ofin.db", 1).close()
    (tmp_path / "taken.db").write_text("mine")
    assert run_backup(tmp_path / "taken.db", db_path=tmp_path / "ofin.db") == 1
    assert (tmp_path / "taken.db").read_text() == "mine"
    assert "already exists" in capsys.readouterr().err
    assert run_backup(tmp_path / "new.db", db_path=tmp_path / "missing.db") == 1
    assert "no database" in capsys.readouterr().err
    assert not (tmp_path / "new.db").exists()


def test_check_finds_a_damaged_database(tmp_path, capsys):
    path = tmp_path / "ofin.db"
    store = filled(path, 3000)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    assert run_check(path) == 0
    assert "database OK" in capsys.readouterr().out
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(3 * page, min(len(data), 20 * page), page):  # scribble on b-tree pages
        data[offset : offset + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    assert run_check(path) == 1
    assert capsys.readouterr().err.strip()


def test_check_on_a_file_that_is_not_a_database(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("hello\n" * 1000)
    assert run_check(path) == 1
    assert "cannot be checked" in capsys.readouterr().err


def test_the_commands_read_ofin_db(tmp_path):
    filled(tmp_path / "ofin.db", 10).close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OFIN_"))}
    env.update({"OFIN_DB": str(tmp_path / "ofin.db"), "PYTHONPATH": str(REPO)})

    def bot(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot", "db", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    checked = bot("check")
    assert checked.returncode == 0 and "database OK" in checked.stdout
    backed = bot("backup", str(tmp_path / "b.db"))
    assert backed.returncode == 0, backed.stderr
    assert (tmp_path / "b.db").is_file()


def test_on_postgresql_backup_and_check_name_the_servers_tools(capsys):
    url = "postgresql://ofin:secret@db.internal:5432/ofin"  # never reached: nothing to pretend
    assert run_backup("/tmp/never.db", db_path=url) == 2
    assert "pg_dump" in capsys.readouterr().err
    assert run_check(db_path=url) == 2
    err = capsys.readouterr().err
    assert "pg_amcheck" in err and "secret" not in err and len(err.splitlines()) == 1


def test_copy_to_postgres_moves_every_row_and_says_how_many(tmp_path, capsys, pg_server_url):
    from bot.store.pg_conn import connect
    from tests.store.pg_server import fresh_database

    store = filled(tmp_path / "ofin.db", 1500)
    store.declined.record_declined(question="a poem", user_id="U1", channel_id="C1")
    store.close()
    url = fresh_database(pg_server_url)  # a worker made the schema already: still empty
    assert run_copy_to_postgres(url, db_path=tmp_path / "ofin.db") == 0
    out = capsys.readouterr().out
    assert "claims" in out and "1,500 rows" in out and "every count checked" in out
    with connect(url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM claims").fetchone() == (1500,)
    copied = Store(url, clock=SystemClock())
    assert copied.declined.top_declined() == [("a poem", 1)]
    copied.close()

    assert run_copy_to_postgres(url, db_path=tmp_path / "ofin.db") == 1  # not empty any more
    assert "not empty" in capsys.readouterr().err
    assert run_copy_to_postgres(str(tmp_path / "x.db"), db_path=tmp_path / "ofin.db") == 2
