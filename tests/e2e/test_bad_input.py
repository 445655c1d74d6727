"""Bad input over HTTP: huge echoes, forged button values, cross-channel clicks, a full disk."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from tests.e2e.conftest import ADMIN
from tests.e2e.harness import SIGNING_SECRET, FakeSlack, OfinProcess, SlackSender, db_rows
from tests.e2e.harness.slack_requests import FORM, block_actions_body
from tests.e2e.test_quiz_daily import DAILY_PREFIX, answer_count, click, post_row, rid, wait_post
from tests.e2e.test_stalls import daily_post

SLACK_TEXT_LIMIT = 3000  # what a section (and our fallback text) may hold


def test_a_huge_quiz_argument_is_cut_in_the_reply(ofin, sender: SlackSender, slack: FakeSlack):
    r = rid()
    resp = sender.command(
        "quiz " + "x" * 200_000, user_id="UHUGE", response_url=slack.response_url(r)
    )
    assert resp.status_code == 200
    (reply,) = slack.wait_for(f"response:{r}")
    assert "I have no quiz on" in reply.text()
    assert len(reply.body["text"]) <= SLACK_TEXT_LIMIT
    for block in reply.body["blocks"]:
        assert len(json.dumps(block)) <= SLACK_TEXT_LIMIT + 200


def test_forged_button_values_are_refused_at_once(ofin, sender: SlackSender, slack: FakeSlack):
    channel, post_id, ts = daily_post(ofin, sender, slack)
    forged = [
        (f"{DAILY_PREFIX}0", "1" * 30 + ":0"),  # a 30-digit post id
        (f"{DAILY_PREFIX}0", f"{post_id}:" + "9" * 30),  # a 30-digit choice
        ("ofin_feedback_up", "[" * 50_000 + "]" * 50_000),  # JSON nested 50,000 deep
        ("ofin_feedback_up", json.dumps({"i": "x", "c": 10**40})),
        ("ofin_share", json.dumps({"i": "guest-os-patching", "c": [1]})),
    ]
    for action_id, value in forged:
        body = block_actions_body(
            action_id,
            value,
            user_id="UFORGE",
            channel_id=channel,
            response_url=slack.response_url(f"forge-{rid()}"),
            message_ts=ts,
        )
        start = time.monotonic()
        resp = sender.post(body, FORM)
        assert resp.status_code == 200, value[:40]
        assert time.monotonic() - start < 1.5
    assert answer_count(ofin.db_path, post_id) == 0


def test_a_click_naming_another_channels_quiz_is_not_counted(
    ofin, sender: SlackSender, slack: FakeSlack
):
    channel, post_id, ts = daily_post(ofin, sender, slack)
    elsewhere = f"CX{rid().upper()}"
    response = f"cross-{rid()}"
    body = block_actions_body(
        f"{DAILY_PREFIX}0",
        f"{post_id}:0",
        user_id="UCROSS",
        channel_id=elsewhere,
        response_url=slack.response_url(response),
        message_ts=ts,
        is_ephemeral=False,
    )
    assert sender.post(body, FORM).status_code == 200
    slack.wait_for(f"response:{response}")
    assert answer_count(ofin.db_path, post_id) == 0
    # The same click from the quiz's own channel counts.
    assert click(sender, slack, "UCROSS", channel, ts, f"{post_id}:0") == 200
    deadline = time.monotonic() + 10
    while answer_count(ofin.db_path, post_id) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert answer_count(ofin.db_path, post_id) == 1


def test_a_full_disk_gets_sorry_never_a_timeout(fake_slack: FakeSlack, tmp_path):
    slack = fake_slack
    slack.settle(quiet=0.2)
    slack.reset()
    bot = OfinProcess(
        {
            "SLACK_API_URL": slack.api_url,
            "OFIN_DB": str(tmp_path / "ofin.db"),
            "OFIN_ADMINS": ADMIN,
        },
        tmp_path,
        max_file_bytes=400_000,  # the "disk" holds 400 KB per file
    ).start()
    try:
        sender = SlackSender(bot.events_url, SIGNING_SECRET)
        channel = f"CF{rid().upper()}"
        r = rid()
        sender.command(
            "daily now", user_id=ADMIN, channel_id=channel, response_url=slack.response_url(r)
        )
        slack.wait_for(f"response:{r}")
        wait_post(slack, channel)
        post_id, _ = post_row(bot.db_path, channel)
        ts = db_rows(bot.db_path, "SELECT message_ts FROM quiz_posts WHERE id = ?", (post_id,))
        ts = ts[0][0]
        # Each practice question and answer writes; 400 clicks fill the disk part-way.
        users = [f"UFULL{i:04d}" for i in range(400)]

        def one(user: str) -> tuple[int, float, str]:
            response = f"full-{user}"
            body = block_actions_body(
                f"{DAILY_PREFIX}0",
                f"{post_id}:0",
                user_id=user,
                channel_id=channel,
                response_url=slack.response_url(response),
                message_ts=ts,
                is_ephemeral=False,
            )
            start = time.monotonic()
            code = sender.post(body, FORM).status_code
            return code, time.monotonic() - start, response

        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(one, users))
        assert {code for code, _, _ in results} == {200}
        assert max(took for _, took, _ in results) < 2.5
        counted = answer_count(bot.db_path, post_id)
        assert counted < len(users), "the disk never filled up: raise the clicks or lower the cap"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            replies = [slack.responses(resp) for _, _, resp in results]
            if all(replies):
                break
            time.sleep(0.1)
        missing = [resp for (_, _, resp), rs in zip(results, replies, strict=True) if not rs]
        assert not missing, f"{len(missing)} people got no reply at all:\n{bot.log()[-3000:]}"
        sorry = sum(1 for rs in replies if "Sorry" in rs[-1].text())
        assert sorry >= len(users) - counted
    finally:
        bot.stop()
