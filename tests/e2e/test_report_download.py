"""The report's Download for a 500-person workspace, over real HTTP: names from users.list
(through a 429 and its Retry-After), the HTML and both CSVs uploaded to the admin's DM, and a
plain message for a channel Slack does not know."""

from __future__ import annotations

import csv
import io
import json
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.kb.loader import load
from bot.quiz.daily import DailyQuizzes
from bot.slack.blocks.report import ACTION_DOWNLOAD
from bot.store import Store
from tests.e2e.conftest import ADMIN
from tests.e2e.harness import SIGNING_SECRET, FakeSlack, OfinProcess, SlackSender

CHANNEL = "CBIGTEAM01"
PEOPLE = [f"UP{n:04d}" for n in range(500)]
SILENT = PEOPLE[-20:]  # members who answered nothing


def name_of(user: str) -> str:
    return f"Person {user[2:]}"


def email_of(user: str) -> str:
    return f"person.{user[2:]}@example.com"


def seed_500(path) -> None:
    """Ten December weekdays of daily quizzes in one channel, answered by 480 of 500 people."""
    kb = load()
    clock = FakeClock(datetime(2026, 12, 1, tzinfo=UTC))
    store = Store(path, clock=clock)
    daily = DailyQuizzes(store, kb, rng=random.Random(3))
    rng = random.Random(5)
    day = datetime(2026, 12, 1, 9, tzinfo=UTC)
    for _ in range(10):
        clock.set(day)
        post = daily.claim_now(CHANNEL)
        daily.close_open(CHANNEL, keep=post.id)
        daily.opened(post, f"ts-{post.id}")
        question = daily.question(post.question_id)
        assert question is not None
        for user in PEOPLE[:-20]:
            clock.set(day + timedelta(minutes=rng.randint(1, 300)))
            assert daily.answer(post.id, user, rng.randrange(len(question.choices))).counted
        day += timedelta(days=1)
    store.close()


@pytest.fixture(scope="module")
def big(ofin_factory: Callable[..., OfinProcess]) -> OfinProcess:
    bot = ofin_factory(OFIN_FAKE_NOW="2027-01-06T18:00:00Z")
    bot.stop()
    seed_500(bot.db_path)
    bot.start()
    return bot


@pytest.fixture
def workspace(slack: FakeSlack) -> FakeSlack:
    slack.set_members(CHANNEL, PEOPLE)
    for user in PEOPLE:
        slack.set_user(user, name=name_of(user), email=email_of(user))
    return slack


def report_in_slack(bot: OfinProcess, slack: FakeSlack, text: str) -> dict:
    rid = uuid.uuid4().hex[:10]
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    resp = sender.command(text, user_id=ADMIN, response_url=slack.response_url(rid))
    assert resp.status_code == 200
    return slack.wait_for(f"response:{rid}", timeout=10)[0].body


def download_button(message: dict) -> dict:
    [button] = [
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ACTION_DOWNLOAD
    ]
    return button


def click(bot: OfinProcess, slack: FakeSlack, button: dict, user: str = ADMIN) -> str:
    rid = uuid.uuid4().hex[:10]
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    resp = sender.action(
        button["action_id"], button["value"], user_id=user, response_url=slack.response_url(rid)
    )
    assert resp.status_code == 200
    return rid


def _files(call) -> list[dict]:
    files = call.body["files"]
    return json.loads(files) if isinstance(files, str) else files


def uploaded_files(slack: FakeSlack, timeout: float = 60.0) -> dict[str, str]:
    """The Download's files (the upload of three; the report's chart comes alone), by title."""
    deadline = time.monotonic() + timeout
    while True:
        done = [c for c in slack.calls("files.completeUploadExternal") if len(_files(c)) == 3]
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert done, "the Download's three files never arrived"
    raw = slack.uploaded()
    return {f["title"]: raw[f["id"]].decode("utf-8") for f in _files(done[-1])}


def test_download_sends_the_full_report_with_names_to_the_admins_dm(big, workspace):
    slack = workspace
    slack.rate_limit_next("users.list", retry_after=1)  # Slack says "wait a second" once
    message = report_in_slack(big, slack, f"report 2026-12 <#{CHANNEL}|big-team>")
    text = json.dumps(message)
    assert "more: *Download* sends everyone" in text  # 480 people do not fit in Slack
    assert len(message["blocks"]) <= 50

    rid = click(big, slack, download_button(message))
    files = uploaded_files(slack)
    assert set(files) == {
        "Training report 2026-12 (printable HTML)",
        "Training report 2026-12: per person (CSV)",
        "Training report 2026-12: per answer (CSV)",
    }
    assert {c.body["users"] for c in slack.calls("conversations.open")} == {ADMIN}
    [complete] = [c for c in slack.calls("files.completeUploadExternal") if len(_files(c)) == 3]
    assert complete.body["channel_id"] == f"D{ADMIN}"

    people = list(csv.DictReader(io.StringIO(files["Training report 2026-12: per person (CSV)"])))
    assert len(people) == 500
    assert all(p["name"] == name_of(p["user_id"]) for p in people)
    assert all(p["email"] == email_of(p["user_id"]) for p in people)
    assert {p["user_id"] for p in people if p["status"] == "no answers"} == set(SILENT)
    answers = list(csv.DictReader(io.StringIO(files["Training report 2026-12: per answer (CSV)"])))
    assert len(answers) == 480 * 10
    assert all(a["name"] == name_of(a["user_id"]) for a in answers)
    page = files["Training report 2026-12 (printable HTML)"]
    assert "Person 0000" in page and "person.0499@example.com" in page
    assert "Page " in page and "counter(pages)" in page  # numbered when printed

    # users.list, a page of 200 at a time, waited out the 429 before asking again.
    refused = [c for c in slack.calls("users.list", include_refused=True) if c.status == 429]
    listed = slack.calls("users.list")
    assert len(refused) == 1 and len(listed) == 3
    assert listed[0].at - refused[0].at >= 0.9
    assert not slack.calls("users.info")  # 500 names: never one call per person
    [reply] = slack.wait_for(f"response:{rid}")
    assert "Sent to our DM" in reply.text()

    # The names are cached: a second Download asks Slack for nobody.
    slack.reset()
    click(big, slack, download_button(message))
    uploaded_files(slack)
    assert not slack.calls("users.list") and not slack.calls("users.info")


def test_download_is_refused_to_a_member(big, workspace):
    message = report_in_slack(big, workspace, f"report 2026-12 <#{CHANNEL}|big-team>")
    rid = click(big, workspace, download_button(message), user="UMEMBER9")
    [reply] = workspace.wait_for(f"response:{rid}")
    assert "admins only" in reply.text()
    workspace.settle(quiet=0.5)
    uploads = workspace.calls("files.completeUploadExternal")
    assert all(len(_files(c)) == 1 for c in uploads)  # only the admin's chart, no Download


def test_a_channel_slack_does_not_know_gets_a_plain_message(big, slack: FakeSlack):
    slack.on("conversations.members", lambda call: {"ok": False, "error": "channel_not_found"})
    message = report_in_slack(big, slack, "report 2026-12 <#CNOSUCH001|gone>")
    text = json.dumps(message)
    assert "I can't find the channel CNOSUCH001" in text
    assert "Training report" not in text
