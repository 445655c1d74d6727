"""The weekly digest over real HTTP: posted once per week per channel, even across a crash and a
restart; its chart uploaded into the channel (text when the upload fails); "Practice this"."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.slack.blocks.digest import PRACTICE_ACTION
from bot.slack.blocks.quiz import PRACTICE_PREFIX
from tests.e2e.conftest import ADMIN
from tests.e2e.harness import FakeSlack, OfinProcess, SlackSender
from tests.e2e.harness.slack_requests import FORM, block_actions_body
from tests.report_seed import CHANNELS, seed

CHANNEL = CHANNELS[0]


@pytest.fixture
def clocked(ofin_factory: Callable[..., OfinProcess], tmp_path: Path) -> tuple[OfinProcess, Path]:
    clock = tmp_path / "now.txt"
    clock.write_text("2026-12-18T15:50:00+00:00")  # a Friday, before the digest's time
    bot = ofin_factory(OFIN_FAKE_NOW_FILE=str(clock), OFIN_SCHEDULER_SECONDS="0.1")
    bot.stop()  # seed while the bot is down: its scheduler would close the seed's posts
    store, _, _ = seed(bot.db_path)  # a quarter of answers (later ones lie in the future)
    store.close()
    bot.start()
    return bot, clock


def command(bot: OfinProcess, slack: FakeSlack, text: str, channel: str) -> str:
    rid = uuid.uuid4().hex[:10]
    sender = SlackSender(bot.events_url, bot.env["SLACK_SIGNING_SECRET"])
    sender.command(text, user_id=ADMIN, channel_id=channel, response_url=slack.response_url(rid))
    return json.dumps(slack.wait_for(f"response:{rid}", timeout=15)[0].body)


def digests_in(slack: FakeSlack, channel: str) -> list:
    return [
        c
        for c in slack.calls("chat.postMessage")
        if c.body.get("channel") == channel and "This week in ofin" in c.text()
    ]


def wait_digests(slack: FakeSlack, channel: str, count: int, timeout: float = 20) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = digests_in(slack, channel)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(
        f"expected {count} digest(s) in {channel}, got {len(digests_in(slack, channel))}"
    )


def test_digest_weekly_once_across_restart_with_chart_and_practice(clocked, slack: FakeSlack):
    bot, clock = clocked
    assert "Weekly digest: off" in command(bot, slack, "digest status", CHANNEL)
    assert "Weekly digest on: Fridays at 16:00 (UTC)" in command(
        bot, slack, "digest on fri 16:00 UTC", CHANNEL
    )
    time.sleep(0.5)
    assert digests_in(slack, CHANNEL) == []  # 15:50: not yet

    clock.write_text("2026-12-18T16:00:30+00:00")
    (post,) = wait_digests(slack, CHANNEL, 1)
    text = post.text()
    assert "Top answerers" in text and "Accuracy" in text
    button = next(
        b["accessory"]
        for b in post.body["blocks"]
        if b.get("accessory", {}).get("action_id") == PRACTICE_ACTION
    )
    # The chart: files_upload_v2 into the channel.
    complete = slack.wait_for("files.completeUploadExternal", timeout=20)[0]
    assert complete.body["channel_id"] == CHANNEL
    assert any(raw[:8] == b"\x89PNG\r\n\x1a\n" for raw in slack.uploaded().values())

    # A crash and a restart in the same week: no second digest.
    bot.proc.kill()
    bot.proc.wait()
    bot.stop()
    bot.start()
    time.sleep(1.0)  # several scheduler ticks
    assert len(digests_in(slack, CHANNEL)) == 1

    # "Practice this" opens a practice question on that category, only for the clicker.
    rid = uuid.uuid4().hex[:8]
    body = block_actions_body(
        PRACTICE_ACTION, button["value"], user_id="UPRACTICE", channel_id=CHANNEL,
        response_url=slack.response_url(rid), is_ephemeral=False,
    )  # fmt: skip
    assert (
        SlackSender(bot.events_url, bot.env["SLACK_SIGNING_SECRET"]).post(body, FORM).status_code
        == 200
    )
    reply = slack.wait_for(f"response:{rid}", timeout=15)[0].body
    assert reply["response_type"] == "ephemeral"
    assert button["value"] in json.dumps(reply).lower()
    assert any(
        e["action_id"].startswith(PRACTICE_PREFIX)
        for b in reply["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    )

    # Next week, with the upload failing: the digest still posts, and the chart comes as text.
    slack.fail_uploads(status=500)
    clock.write_text("2026-12-25T16:00:10+00:00")
    wait_digests(slack, CHANNEL, 2)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        texts = [
            c.body.get("text", "")
            for c in slack.calls("chat.postMessage")
            if c.body.get("channel") == CHANNEL
        ]
        if any(re.search(r"Accuracy by category, .* vs .*:\n• ", t) for t in texts):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the chart's text version was not posted")
    time.sleep(0.5)
    assert len(digests_in(slack, CHANNEL)) == 2
    assert "could not upload a chart (HTTPError)" in bot.log()
    bot.stop()  # its scheduler ticks every 0.1 s: leave the machine to the next tests


def test_digest_is_for_admins_and_off_by_default(
    ofin: OfinProcess, sender: SlackSender, slack: FakeSlack
):
    rid = uuid.uuid4().hex[:10]
    sender.command(
        "digest on", user_id="UMEMBER9", channel_id="CDIGEST1", response_url=slack.response_url(rid)
    )
    assert "admins only" in json.dumps(slack.wait_for(f"response:{rid}")[0].body)
    rid = uuid.uuid4().hex[:10]
    sender.command(
        "digest", user_id=ADMIN, channel_id="CDIGEST1", response_url=slack.response_url(rid)
    )
    assert "Weekly digest: off" in json.dumps(slack.wait_for(f"response:{rid}")[0].body)
