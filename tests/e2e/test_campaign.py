"""Completion campaigns over real HTTP: weekly DMs to people behind, never twice a week even
across a restart, and `remind off` respected."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import ADMIN
from tests.e2e.harness import FakeSlack, OfinProcess, SlackSender

CHANNEL = "CCAMPAIGN1"
MEMBERS = ["UCA1", "UCA2", "UCA3", "UCA4"]


def command(bot: OfinProcess, slack: FakeSlack, text: str, user: str) -> str:
    rid = uuid.uuid4().hex[:10]
    sender = SlackSender(bot.events_url, bot.env["SLACK_SIGNING_SECRET"])
    sender.command(text, user_id=user, channel_id=CHANNEL, response_url=slack.response_url(rid))
    return json.dumps(slack.wait_for(f"response:{rid}", timeout=15)[0].body)


def reminders(slack: FakeSlack) -> list[str]:
    return [
        c.body["channel"]
        for c in slack.calls("chat.postMessage")
        if "training campaign" in c.body.get("text", "")
    ]


def wait_reminders(slack: FakeSlack, count: int, timeout: float = 20) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(reminders(slack)) >= count:
            return reminders(slack)
        time.sleep(0.05)
    raise AssertionError(f"expected {count} reminders, got {reminders(slack)}")


def test_weekly_reminders_once_across_restart_and_opt_out(
    ofin_factory: Callable[..., OfinProcess], slack: FakeSlack, tmp_path: Path
):
    clock = tmp_path / "now.txt"
    clock.write_text("2026-11-16T10:00:00+00:00")  # a Monday, half way through the month
    bot = ofin_factory(OFIN_FAKE_NOW_FILE=str(clock), OFIN_SCHEDULER_SECONDS="0.1")
    slack.set_members(CHANNEL, MEMBERS)
    assert "no more campaign reminders" in command(bot, slack, "remind off", "UCA4")
    assert "admins only" in command(bot, slack, "campaign set 10 per month", "UCA1")
    assert "Campaign on: 10 answers per month" in command(
        bot, slack, "campaign set 10 per month", ADMIN
    )
    first = wait_reminders(slack, 3)
    time.sleep(0.5)
    assert sorted(reminders(slack)) == sorted(first) == ["DUCA1", "DUCA2", "DUCA3"]

    status = command(bot, slack, "campaign status", ADMIN)
    assert "By now each member should have 5" in status and "<@UCA1>: 0" in status

    bot.restart()
    time.sleep(1.0)  # several ticks after the restart: nobody twice in a week
    assert sorted(reminders(slack)) == ["DUCA1", "DUCA2", "DUCA3"]

    clock.write_text("2026-11-23T10:00:00+00:00")  # the next week
    wait_reminders(slack, 6)
    time.sleep(0.5)
    sent = reminders(slack)
    assert len(sent) == 6 and "DUCA4" not in sent
    bot.stop()  # its scheduler ticks every 0.1 s: leave the stand-in quiet for the next tests
