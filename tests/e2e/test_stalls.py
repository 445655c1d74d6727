"""Ack first, work later: slow Slack calls or a locked database never delay an acknowledgement."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import ADMIN
from tests.e2e.harness import SIGNING_SECRET, FakeSlack, SlackSender, db_rows
from tests.e2e.test_quiz_daily import answer_count, click, command, post_row, rid, wait_post

ACK_LIMIT = 1.5  # seconds: far under Slack's 3 s, far over a healthy ack on a busy CI machine


@pytest.fixture
def bot(ofin_factory):
    return ofin_factory()


def daily_post(bot, sender: SlackSender, slack: FakeSlack) -> tuple[str, int, str]:
    channel = f"CS{rid().upper()}"
    command(sender, slack, "daily now", ADMIN, channel)
    wait_post(slack, channel)
    post_id, _ = post_row(bot.db_path, channel)
    ts = db_rows(bot.db_path, "SELECT message_ts FROM quiz_posts WHERE id = ?", (post_id,))[0][0]
    return channel, post_id, ts


def timed(fn) -> tuple[int, float]:
    start = time.monotonic()
    code = fn()
    return code, time.monotonic() - start


def test_slow_users_info_never_delays_clicks_or_commands(bot, slack: FakeSlack):
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    channel, post_id, ts = daily_post(bot, sender, slack)
    slack.slow("users.info", 6)  # every lookup of a person now takes 6 s

    def leaderboard(i: int) -> int:
        r = sender.command(
            "leaderboard",
            user_id=f"USLOW{i}",
            channel_id=channel,
            response_url=slack.response_url(f"slow-{i}-{rid()}"),
        )
        return r.status_code

    with ThreadPoolExecutor(40) as pool:
        slow = [pool.submit(timed, lambda i=i: leaderboard(i)) for i in range(8)]
        time.sleep(0.3)  # the eight are now waiting on users.info
        clicks = [
            pool.submit(timed, lambda u=u: click(sender, slack, u, channel, ts, f"{post_id}:0"))
            for u in (f"UC{i:03d}" for i in range(30))
        ]
        results = [f.result() for f in clicks + slow]
    assert {code for code, _ in results} == {200}
    slowest = max(took for _, took in results)
    assert slowest < ACK_LIMIT, f"an ack took {slowest:.2f}s"
    deadline = time.monotonic() + 15
    while answer_count(bot.db_path, post_id) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert answer_count(bot.db_path, post_id) == 30
    # The leaderboards still arrive, once users.info answers.
    slack.wait_for("users.info", count=1, timeout=15)


def test_users_info_is_looked_up_once_per_person(bot, slack: FakeSlack):
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    channel = f"CU{rid().upper()}"
    for _ in range(3):
        command(sender, slack, "leaderboard", "UCACHED", channel)
    lookups = [c for c in slack.calls("users.info") if c.body.get("user") == "UCACHED"]
    assert len(lookups) == 1


def test_a_write_locked_database_never_delays_an_ack(bot, slack: FakeSlack):
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    channel, post_id, ts = daily_post(bot, sender, slack)
    held = threading.Event()
    release = threading.Event()

    def hold_lock() -> None:
        conn = sqlite3.connect(bot.db_path, timeout=5)
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        release.wait(10)
        conn.rollback()
        conn.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    held.wait(5)
    try:
        with ThreadPoolExecutor(20) as pool:
            results = list(
                pool.map(
                    lambda u: timed(lambda: click(sender, slack, u, channel, ts, f"{post_id}:0")),
                    [f"UL{i:03d}" for i in range(20)],
                )
            )
    finally:
        time.sleep(1.0)
        release.set()
        holder.join()
    assert {code for code, _ in results} == {200}
    slowest = max(took for _, took in results)
    assert slowest < ACK_LIMIT + 1.0, f"an ack took {slowest:.2f}s"
    # Once the lock is gone every answer lands, once.
    deadline = time.monotonic() + 15
    while answer_count(bot.db_path, post_id) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert answer_count(bot.db_path, post_id) == 20
