"""Daily quizzes against a misbehaving Slack: 5xx, refusals, hangs, crashes, failed updates."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.e2e.conftest import ADMIN
from tests.e2e.harness import SIGNING_SECRET, FakeSlack, SlackSender, db_rows
from tests.e2e.test_quiz_daily import (
    answer_count,
    click,
    command,
    post_row,
    posts_in,
    rid,
    updates_of,
    wait_post,
    wait_until,
)


def status_of(db: Path, post_id: int) -> tuple:
    return db_rows(db, "SELECT status, message_ts, error FROM quiz_posts WHERE id = ?", (post_id,))[
        0
    ]


def every_post_in(slack: FakeSlack, channel: str) -> list:
    """Posts Slack took, including one whose answer the bot never got (a hang)."""
    return [
        c
        for c in slack.calls("chat.postMessage", include_refused=True)
        if c.body.get("channel") == channel and c.status in (200, 599)
    ]


def test_daily_now_survives_two_server_errors(ofin, sender: SlackSender, slack: FakeSlack):
    channel = f"CE{rid().upper()}"
    slack.fail_next("chat.postMessage", status=500, times=2)
    reply = json.dumps(command(sender, slack, "daily now", ADMIN, channel))
    assert "Posted" in reply
    assert len(posts_in(slack, channel)) == 1
    post_id, _ = post_row(ofin.db_path, channel)
    assert status_of(ofin.db_path, post_id)[0] == "open"


def test_a_refusal_tells_the_admin_slacks_reason(ofin, sender: SlackSender, slack: FakeSlack):
    channel = f"CE{rid().upper()}"
    slack.on("chat.postMessage", lambda call: {"ok": False, "error": "not_in_channel"})
    reply = json.dumps(command(sender, slack, "daily now", ADMIN, channel))
    assert "not_in_channel" in reply and "/invite @ofin" in reply
    assert len(slack.calls("chat.postMessage")) == 1  # no point retrying that
    post_id, _ = post_row(ofin.db_path, channel)
    assert status_of(ofin.db_path, post_id)[0] == "failed"
    assert status_of(ofin.db_path, post_id)[2] == "not_in_channel"


def test_twenty_concurrent_daily_now_post_once(ofin, sender: SlackSender, slack: FakeSlack):
    channel = f"CE{rid().upper()}"
    with ThreadPoolExecutor(20) as pool:
        replies = list(
            pool.map(
                lambda _: json.dumps(command(sender, slack, "daily now", ADMIN, channel)), range(20)
            )
        )
    assert sum("Posted" in r for r in replies) == 1
    assert sum("less than a minute ago" in r for r in replies) == 19
    slack.settle(quiet=0.3)
    assert len(posts_in(slack, channel)) == 1
    opened = db_rows(
        ofin.db_path,
        "SELECT COUNT(*) FROM quiz_posts WHERE channel_id = ? AND status = 'open'",
        (channel,),
    )
    assert opened == [(1,)]


def test_a_crash_while_slack_posts_is_reconciled_not_reposted(ofin_factory, slack: FakeSlack):
    bot = ofin_factory(OFIN_SCHEDULER_SECONDS="0.2")
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    channel = f"CH{rid().upper()}"
    slack.fail_next("chat.postMessage", status=None, delay=3)  # Slack posts, answers late
    sender.command(
        "daily now", user_id=ADMIN, channel_id=channel, response_url=slack.response_url(rid())
    )
    wait_until(
        lambda: (
            db_rows(bot.db_path, "SELECT COUNT(*) FROM quiz_posts WHERE channel_id = ?", (channel,))
            == [(1,)]
        ),
        what="the claim",
    )
    time.sleep(0.5)
    bot.proc.kill()  # kill -9 while Slack is still "posting"
    bot.proc.wait()
    bot.stop()
    post_id, _ = post_row(bot.db_path, channel)
    assert status_of(bot.db_path, post_id)[0] == "posting"
    bot.start()
    wait_until(lambda: status_of(bot.db_path, post_id)[0] == "open", what="the reconciliation")
    time.sleep(0.5)
    assert len(every_post_in(slack, channel)) == 1  # found in the channel, not posted again
    ts = status_of(bot.db_path, post_id)[1]
    assert ts
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    for i in range(3):
        assert click(sender, slack, f"URC{i}", channel, ts, f"{post_id}:0") == 200
    wait_until(lambda: answer_count(bot.db_path, post_id) == 3, what="3 answers")
    wait_until(
        lambda: any("3 people answered" in u.text() for u in updates_of(slack, ts)),
        what="the live count of the reconciled post",
    )


def test_a_live_count_that_failed_to_update_is_retried(ofin_factory, slack: FakeSlack):
    bot = ofin_factory(OFIN_SCHEDULER_SECONDS="0.2")
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    channel = f"CU{rid().upper()}"
    command(sender, slack, "daily now", ADMIN, channel)
    wait_post(slack, channel)
    post_id, _ = post_row(bot.db_path, channel)
    ts = status_of(bot.db_path, post_id)[1]
    slack.fail_next("chat.update", status=500, times=50)
    with ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(
                lambda u: click(sender, slack, u, channel, ts, f"{post_id}:0"),
                [f"UU{i}" for i in range(8)],
            )
        )
    assert set(codes) == {200}
    wait_until(lambda: answer_count(bot.db_path, post_id) == 8, what="8 answers")
    time.sleep(0.5)
    assert not updates_of(slack, ts)  # every update so far failed
    slack.reset()  # Slack is back
    wait_until(
        lambda: any("8 people answered" in u.text() for u in updates_of(slack, ts)),
        what="the live count to catch up with the database, with no new click",
    )


def test_a_scheduled_post_that_never_gets_through_tells_the_admin(
    ofin_factory, tmp_path, slack: FakeSlack
):
    clock = tmp_path / "now.txt"
    clock.write_text("2026-03-02T08:00:00+00:00")  # a Monday
    bot = ofin_factory(OFIN_FAKE_NOW_FILE=str(clock), OFIN_SCHEDULER_SECONDS="0.1")
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    channel = f"CD{rid().upper()}"
    command(sender, slack, "daily on 09:00 UTC", ADMIN, channel)

    def down_in_channel(call):
        if call.body.get("channel") == channel:
            return {"ok": False, "error": "service_unavailable"}
        return {"ok": True, "channel": call.body.get("channel"), "ts": "1700000001.000001"}

    slack.on("chat.postMessage", down_in_channel)
    clock.write_text("2026-03-02T09:00:05+00:00")
    wait_until(
        lambda: (
            db_rows(bot.db_path, "SELECT error FROM quiz_posts WHERE channel_id = ?", (channel,))
            not in ([], [(None,)])
        ),
        what="a first failed attempt",
    )
    (post_id, _) = post_row(bot.db_path, channel)
    assert status_of(bot.db_path, post_id)[0] == "posting"  # still trying
    clock.write_text("2026-03-02T23:59:59.900000+00:00")  # the day's window is ending
    wait_until(lambda: status_of(bot.db_path, post_id)[0] == "failed", what="giving up")
    assert "service_unavailable" in status_of(bot.db_path, post_id)[2]
    assert len(posts_in(slack, channel)) >= 2  # it was retried
    wait_until(
        lambda: any(
            c.body.get("channel") == ADMIN and "service_unavailable" in c.text()
            for c in slack.calls("chat.postMessage")
        ),
        what="the admin's message with Slack's reason",
    )


def test_rate_limits_beyond_the_clients_own_retries_wait_retry_after(
    ofin, sender: SlackSender, slack: FakeSlack
):
    channel = f"CE{rid().upper()}"
    # The Web API client waits out three 429s itself; the fourth reaches the runner, which
    # waits Retry-After in turn and posts.
    slack.rate_limit_next("chat.postMessage", retry_after=1, times=4)
    reply = json.dumps(command(sender, slack, "daily now", ADMIN, channel))
    assert "Posted" in reply
    refused = [
        c
        for c in slack.calls("chat.postMessage", include_refused=True)
        if c.status == 429 and c.body.get("channel") == channel
    ]
    assert len(refused) == 4
    assert len(posts_in(slack, channel)) == 1
    gaps = [b.at - a.at for a, b in zip(refused, refused[1:], strict=False)]
    assert all(gap >= 0.9 for gap in gaps), gaps  # Retry-After was honoured every time
