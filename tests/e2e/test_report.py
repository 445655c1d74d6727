"""/ofin report over real HTTP: refused to members, answered to admins within 3 s, with the
chart sent through files_upload_v2's three calls to the stand-in, or as text when they fail."""

from __future__ import annotations

import json
import struct
import time
import uuid
from collections.abc import Callable

import pytest

from bot.training.chart import HEIGHT_PX, WIDTH_PX
from tests.e2e.conftest import ADMIN
from tests.e2e.harness import SIGNING_SECRET, FakeSlack, OfinProcess, SlackSender
from tests.report_seed import CHANNELS, PEOPLE, channel_of, seed


@pytest.fixture(scope="module")
def reporting(ofin_factory: Callable[..., OfinProcess]) -> OfinProcess:
    """A bot whose clock stands in January 2027, over a database with a quarter of answers."""
    bot = ofin_factory(OFIN_FAKE_NOW="2027-01-06T18:00:00Z")
    bot.stop()  # seed while the bot is down: its scheduler would close the seed's posts
    store, _, _ = seed(bot.db_path)  # a quarter of answers (later ones lie in the future)
    store.close()
    bot.start()
    return bot


def send(bot: OfinProcess, slack: FakeSlack, text: str, user: str) -> tuple[str, float, int]:
    rid = uuid.uuid4().hex[:10]
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    start = time.monotonic()
    resp = sender.command(
        text, user_id=user, channel_id="C0GENERAL", response_url=slack.response_url(rid)
    )
    return rid, start, resp.status_code


def test_report_refused_to_a_member(reporting: OfinProcess, slack: FakeSlack):
    rid, _, status = send(reporting, slack, "report 2026-Q4", "UMEMBER1")
    assert status == 200
    reply = slack.wait_for(f"response:{rid}")[0].body
    assert "admins only" in json.dumps(reply)
    assert "Training report" not in json.dumps(reply)
    time.sleep(0.5)
    assert not slack.calls("files.getUploadURLExternal")
    assert not slack.calls("conversations.members")


def test_report_for_an_admin_within_3s_with_the_chart_uploaded(
    reporting: OfinProcess, slack: FakeSlack
):
    channel = CHANNELS[1]
    team = [u for u in PEOPLE if channel_of(u) == channel]
    slack.set_members(channel, [*team, "UNEWCOMER"])
    rid, start, status = send(reporting, slack, f"report 2026-Q4 <#{channel}|bravo>", ADMIN)
    assert status == 200
    reply = slack.wait_for(f"response:{rid}", timeout=3)[0]
    assert reply.at - start < 3.0
    body = reply.body
    assert body["response_type"] == "ephemeral"
    text = json.dumps(body)
    assert "Training report 2026-Q4" in text
    assert f"<#{channel}>" in text
    assert "<@UNEWCOMER>" in text  # a member who answered nothing, from Slack's member list
    assert "<@U001>" in text and "<@U002>" not in text  # only that channel's team
    members_calls = slack.calls("conversations.members")
    assert [c.body["channel"] for c in members_calls] == [channel]
    # The chart: getUploadURLExternal -> POST the bytes -> completeUploadExternal, to the DM.
    complete = slack.wait_for("files.completeUploadExternal", timeout=20)[0]
    (url_call,) = slack.calls("files.getUploadURLExternal")
    files = complete.body["files"]
    files = json.loads(files) if isinstance(files, str) else files
    file_id = files[0]["id"]
    png = slack.uploaded()[file_id]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (WIDTH_PX, HEIGHT_PX)
    assert int(url_call.body["length"]) == len(png)
    assert complete.body["channel_id"] == f"D{ADMIN}"
    assert "2026-Q4 vs 2026-Q3" in files[0]["title"]
    assert [c.body["users"] for c in slack.calls("conversations.open")] == [ADMIN]


def test_a_failing_upload_falls_back_to_text_and_is_logged_once(
    reporting: OfinProcess, slack: FakeSlack
):
    slack.fail_uploads(status=500, times=1)
    rid, _, _ = send(reporting, slack, "report 2026-Q4", ADMIN)
    slack.wait_for(f"response:{rid}")
    posted = slack.wait_for("chat.postMessage", timeout=20)[0]
    assert posted.body["channel"] == f"D{ADMIN}"
    assert "Accuracy by category, 2026-Q4 vs 2026-Q3" in posted.body["text"]
    assert "• identity:" in posted.body["text"]
    assert not slack.calls("files.completeUploadExternal")
    # A missing scope (an API error) falls back the same way; each reason is logged once.
    slack.on("files.getUploadURLExternal", lambda call: {"ok": False, "error": "missing_scope"})
    for _ in range(2):
        rid, _, _ = send(reporting, slack, "report 2026-11", ADMIN)
        slack.wait_for(f"response:{rid}")
    posts = slack.wait_for("chat.postMessage", count=3, timeout=20)
    assert "2026-11 vs 2026-10" in posts[-1].body["text"]
    log = reporting.log()
    assert log.count("could not upload a chart (missing_scope)") == 1
    assert log.count("could not upload a chart (HTTPError)") == 1
