"""The database file changes under the running bot: deleted, replaced, read-only.

SQLite keeps writing to a deleted file's inode, so without a check every click was confirmed
("Right!") while nothing would survive a restart. Each case must: tell the person "Sorry",
confirm nothing, say why at /readyz (503), and log one clear line, not a traceback per click.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

import pytest
import requests

from tests.e2e.conftest import ADMIN
from tests.e2e.harness import SIGNING_SECRET, FakeSlack, OfinProcess, SlackSender, db_rows
from tests.e2e.harness.slack_requests import FORM, block_actions_body
from tests.e2e.test_quiz_daily import DAILY_PREFIX, command, post_row, rid, wait_post


@pytest.fixture
def bot(ofin_factory) -> OfinProcess:
    return ofin_factory()


def open_quiz(bot: OfinProcess, slack: FakeSlack) -> tuple[SlackSender, str, int, str]:
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    channel = f"CDB{rid().upper()}"
    command(sender, slack, "daily now", ADMIN, channel)
    wait_post(slack, channel)
    post_id, _ = post_row(bot.db_path, channel)
    ts = db_rows(bot.db_path, "SELECT message_ts FROM quiz_posts WHERE id = ?", (post_id,))[0][0]
    return sender, channel, post_id, ts


def clicks(sender, slack, channel: str, post_id: int, ts: str, n: int) -> list[str]:
    """``n`` people answer; the texts each was sent back (in order), once all have a reply."""

    def one(i: int) -> tuple[int, str]:
        reply = f"db-{rid()}"
        body = block_actions_body(
            f"{DAILY_PREFIX}0",
            f"{post_id}:0",
            user_id=f"UDB{i:03d}",
            channel_id=channel,
            response_url=slack.response_url(reply),
            message_ts=ts,
            is_ephemeral=False,
        )
        return sender.post(body, FORM).status_code, reply

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(one, range(n)))
    assert {code for code, _ in results} == {200}
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not all(slack.responses(r) for _, r in results):
        time.sleep(0.1)
    return [" ".join(c.text() for c in slack.responses(r)) for _, r in results]


def ready(bot: OfinProcess) -> tuple[int, str]:
    r = requests.get(bot.base_url + "/readyz", timeout=5)
    return r.status_code, r.text


def assert_refused(bot: OfinProcess, texts: list[str], reason: str) -> None:
    assert all("Sorry" in t for t in texts), texts
    assert not any("Right" in t or "Not this time" in t for t in texts), texts
    code, text = ready(bot)
    assert code == 503 and reason in text, (code, text)
    assert requests.get(bot.base_url + "/healthz", timeout=5).status_code == 200
    log = bot.log()
    assert "Traceback" not in log, log[-3000:]
    assert sum(1 for line in log.splitlines() if reason in line) == 1, log[-3000:]


def test_a_deleted_database_confirms_nothing(bot: OfinProcess, slack: FakeSlack):
    sender, channel, post_id, ts = open_quiz(bot, slack)
    assert ready(bot) == (200, "ready\n")
    for suffix in ("", "-wal", "-shm"):
        with suppress(FileNotFoundError):
            os.remove(f"{bot.db_path}{suffix}")
    texts = clicks(sender, slack, channel, post_id, ts, 10)
    assert_refused(bot, texts, "is gone (deleted or moved)")


def test_a_replaced_database_confirms_nothing(bot: OfinProcess, slack: FakeSlack, tmp_path):
    sender, channel, post_id, ts = open_quiz(bot, slack)
    copy = tmp_path / "copy.db"
    shutil.copy(bot.db_path, copy)
    os.replace(copy, bot.db_path)  # another file, the same name (a restore over a live bot)
    texts = clicks(sender, slack, channel, post_id, ts, 10)
    assert_refused(bot, texts, "was replaced by another file")


def _can_remount() -> bool:
    try:
        done = subprocess.run(
            ["unshare", "-m", "sh", "-c", "mount -t tmpfs none /mnt && umount /mnt"],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


needs_mounts = pytest.mark.skipif(
    not _can_remount(), reason="needs mount namespaces (root) to make the folder read-only"
)


def _chattr(flag: str, path) -> bool:
    try:
        return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0
    except OSError:
        return False


def test_a_database_made_read_only_confirms_nothing(bot: OfinProcess, slack: FakeSlack):
    """The file made immutable mid-run (a remount read-only is refused while it is open)."""
    sender, channel, post_id, ts = open_quiz(bot, slack)
    if not _chattr("+i", bot.db_path):
        pytest.skip("chattr +i is not available here")
    try:
        texts = clicks(sender, slack, channel, post_id, ts, 10)
        assert_refused(bot, texts, "is read-only")
    finally:
        _chattr("-i", bot.db_path)
    assert ready(bot) == (200, "ready\n")  # writable again: ready again, without a restart


@needs_mounts
def test_a_read_only_database_at_start_says_so_in_one_line(ofin_factory):
    first = ofin_factory()  # makes a database, then goes
    first.stop()
    data = first.db_path.parent
    shell = (
        f"mount --bind {data} {data} && mount -o remount,bind,ro {data} && "
        'exec "$0" -m bot serve --port 0'
    )
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", shell, sys.executable],
        cwd=first.cwd,
        env=first.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        f"ofin: cannot open the database at {first.db_path}: it is read-only (check OFIN_DB)"
    ], done.stderr
