"""No surface shows another workspace's data: several workspaces installed by OAuth, each played.

Each workspace (ALPHA, BRAVO, CHARLIE, DELTA) installs ofin through "Add to Slack", turns a daily
quiz on in its channel, posts one (with its own token), has two people answer it, saves a stack,
gets a question declined and a practice answer. Then, in each workspace, every surface that
shows stored data is opened: the leaderboard, the team board, stats, the training report (and
the chart it sends), unanswered questions, saved stacks, duties, daily and digest status, and
the App Home, the shortcuts (a message's answer in its thread, the "Ask ofin" modal and its
answer by DM) and the report's Download (people's names read from Slack into the workspace's
own cache, the files sent by DM). What each workspace sees names its own people, channel and
stack, and never a word of another's; every Web API call made for it carries its own token. The
command-line export (OFIN_TEAM) is checked the same way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest

from bot.slack.blocks import shortcuts
from bot.slack.blocks.report import ACTION_DOWNLOAD
from tests.e2e.harness import SIGNING_SECRET, FakeSlack, OfinProcess, SlackSender, db_rows
from tests.e2e.harness.slack_requests import (
    FORM,
    block_actions_body,
    command_body,
    event_body,
    message_action_body,
    shortcut_body,
    view_submission_body,
)
from tests.e2e.test_oauth import install
from tests.e2e.test_quiz_daily import DAILY_PREFIX, buttons, wait_post

WORDS = ("ALPHA", "BRAVO", "CHARLIE", "DELTA")
TEAMS = {w: f"T0{w}" for w in WORDS}


def admin(word: str) -> str:
    return f"UA{word}"


def people(word: str) -> list[str]:
    return [f"U1{word}", f"U2{word}"]


def channel(word: str) -> str:
    return f"C0{word}"


def name_of(user: str, word: str) -> str:
    """The name Slack gives a person: their workspace's word in it, so a leak shows."""
    return f"Person {user[:2]} of {word.title()}"


@pytest.fixture(scope="module")
def played(
    fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[OfinProcess, FakeSlack]]:
    slack = fake_slack
    cwd = tmp_path_factory.mktemp("isolation")
    bot = OfinProcess(
        {
            "SLACK_API_URL": slack.api_url,
            "OFIN_DB": str(cwd / "ofin.db"),
            "OFIN_ADMINS": ",".join(admin(w) for w in WORDS),
            "SLACK_BOT_TOKEN": "",
            "SLACK_CLIENT_ID": "111.222",
            "SLACK_CLIENT_SECRET": "client-secret",
        },
        cwd,
    ).start()
    try:  # a setup that fails still stops the bot
        slack.set_redirect_url(f"{bot.base_url}/slack/oauth_redirect")
        slack.reset()
        sender = SlackSender(bot.events_url, SIGNING_SECRET)
        for word in WORDS:
            team, here = TEAMS[word], channel(word)
            install(bot, slack, team)
            slack.set_members(here, [admin(word), *people(word)])
            for person in people(word):
                slack.set_user(
                    person, name=name_of(person, word), email=f"{person.lower()}@example.com"
                )
            ask = _asker(sender, slack, team)
            assert "Daily quiz on" in ask("daily on 09:00 UTC", admin(word), here)
            ask("daily now", admin(word), here)
            wait_post(slack, here)
            ts = _message_ts(bot, here)
            value = buttons(_message(slack, here))[0]["value"]
            for person in people(word):
                body = block_actions_body(
                    f"{DAILY_PREFIX}{value.rsplit(':', 1)[1]}",
                    value,
                    user_id=person,
                    channel_id=here,
                    team_id=team,
                    response_url=slack.response_url(f"click-{person}"),
                    message_ts=ts,
                    is_ephemeral=False,
                )
                assert sender.post(body, FORM).status_code == 200
            ask(f"matrix save stack{word.lower()} ec2 rds", admin(word), here)
            ask(f"write a poem about {word.lower()}", people(word)[0], here)  # declined
            ask("digest on fri 16:00 UTC", admin(word), here)
        for word in WORDS:  # every answer stored (the clicks are written after their ack)
            _wait_answers(bot, TEAMS[word], 2)
        yield bot, slack
    finally:
        bot.stop()


def _asker(sender: SlackSender, slack: FakeSlack, team: str):  # noqa: ANN202 - a closure
    def ask(text: str, user: str, where: str) -> str:
        r = uuid.uuid4().hex[:10]
        body = command_body(
            text, user_id=user, channel_id=where, team_id=team, response_url=slack.response_url(r)
        )
        assert sender.post(body, FORM).status_code == 200
        return json.dumps(slack.wait_for(f"response:{r}", timeout=15)[0].body)

    return ask


def _message(slack: FakeSlack, where: str) -> dict:
    posts = [c for c in slack.calls("chat.postMessage") if c.body.get("channel") == where]
    return posts[-1].body


def _message_ts(bot: OfinProcess, where: str) -> str:
    """The posted quiz's ts, once ofin stored it."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        rows = db_rows(
            bot.db_path, "SELECT message_ts FROM quiz_posts WHERE channel_id = ?", (where,)
        )
        if rows and rows[0][0]:
            return str(rows[0][0])
        time.sleep(0.05)
    raise AssertionError(f"no quiz stored as posted in {where}")


def _wait_answers(bot: OfinProcess, team: str, count: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        rows = db_rows(bot.db_path, "SELECT COUNT(*) FROM answers WHERE team_id = ?", (team,))
        if rows[0][0] >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{team}: fewer than {count} answers stored")


def others(word: str) -> list[str]:
    return [w for w in WORDS if w != word]


def assert_only(word: str, text: str, what: str) -> None:
    upper = text.upper()
    for other in others(word):
        assert other not in upper, f"{what} in {word} shows {other}'s data: {text[:400]}"


SURFACES = {
    # subcommand, who runs it, a word of its own workspace that must show
    "leaderboard": ("person", "U1"),
    "leaderboard all": ("person", "U1"),
    "leaderboard teams": ("person", "C0"),
    "stats": ("person", ""),
    "report": ("admin", "U1"),
    "unanswered": ("admin", "POEM"),
    "matrix show": ("admin", "STACK"),
    "duties": ("admin", ""),
    "daily status": ("admin", "09:00"),
    "digest status": ("admin", ""),
}


@pytest.mark.parametrize("word", WORDS)
@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_no_command_shows_another_workspaces_data(played, word: str, surface: str) -> None:
    bot, slack = played
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    who, own = SURFACES[surface]
    user = admin(word) if who == "admin" else people(word)[0]
    shown = _asker(sender, slack, TEAMS[word])(surface, user, channel(word))
    assert_only(word, shown, surface)
    if own:
        assert f"{own}{word}".upper() in shown.upper() or own in shown.upper(), shown[:400]
    if surface.startswith("leaderboard") and surface != "leaderboard teams":
        assert all(p in shown for p in people(word)), shown[:400]


@pytest.mark.parametrize("word", WORDS)
def test_the_app_home_shows_only_its_own_workspace(played, word: str) -> None:
    bot, slack = played
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    user = admin(word)
    before = len(slack.calls("views.publish"))
    event = {"type": "app_home_opened", "user": user, "tab": "home", "channel": f"D{user}"}
    body = event_body(event, team_id=TEAMS[word])
    assert sender.post(body, "application/json").status_code == 200
    views = slack.wait_for("views.publish", count=before + 1)
    view = next(v for v in reversed(views) if v.body.get("user_id") == user)
    shown = json.dumps(view.body)
    assert slack.team_of(view) == TEAMS[word]  # published with its own token
    assert channel(word) in shown  # its daily-quiz channel
    assert_only(word, shown, "App Home")


def test_every_call_made_for_a_workspace_carries_its_own_token(played) -> None:
    _, slack = played
    for call in slack.calls("chat.postMessage"):
        where = str(call.body.get("channel", ""))
        word = next((w for w in WORDS if where == channel(w)), None)
        if word is not None:
            assert slack.team_of(call) == TEAMS[word], where


@pytest.mark.parametrize("word", WORDS)
def test_the_command_line_export_reads_one_workspace(played, word: str) -> None:
    bot, _ = played
    env = {**os.environ, "OFIN_DB": str(bot.db_path), "OFIN_TEAM": TEAMS[word]}
    for args in (["scores", "export"], ["report", "--format", "csv"]):
        run = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
        assert all(p in run.stdout for p in people(word)), (args, run.stdout[:400])
        assert_only(word, run.stdout, " ".join(args))


def _wait_call(slack: FakeSlack, name: str, match, timeout: float = 15.0):  # noqa: ANN001, ANN202
    """The last call of ``name`` that ``match`` accepts, once it arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [c for c in slack.calls(name) if match(c)]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no {name} call as expected")


def _files(call) -> list[dict]:  # noqa: ANN001
    files = call.body["files"]
    return json.loads(files) if isinstance(files, str) else files


@pytest.mark.parametrize("word", WORDS)
def test_the_reports_download_names_only_its_own_people(played, word: str) -> None:
    bot, slack = played
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    team, here, who = TEAMS[word], channel(word), admin(word)
    report = json.loads(_asker(sender, slack, team)("report", who, here))
    [button] = [
        e
        for b in report["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ACTION_DOWNLOAD
    ]
    body = block_actions_body(
        ACTION_DOWNLOAD,
        button["value"],
        user_id=who,
        channel_id=here,
        team_id=team,
        response_url=slack.response_url(f"download-{word}"),
    )
    assert sender.post(body, FORM).status_code == 200
    upload = _wait_call(
        slack,
        "files.completeUploadExternal",
        lambda c: c.body.get("channel_id") == f"D{who}" and len(_files(c)) == 3,
        timeout=60,
    )
    assert slack.team_of(upload) == team  # sent with its own token
    raw = slack.uploaded()
    shown = "\n".join(raw[f["id"]].decode("utf-8") for f in _files(upload))
    for person in people(word):
        assert name_of(person, word) in shown, shown[:400]  # names from its own cache
        assert f"{person.lower()}@example.com" in shown
    assert_only(word, shown, "the report's Download")
    for call in slack.calls("users.info") + slack.calls("users.list"):
        asked = str(call.body.get("user", ""))
        if asked in people(word):
            assert slack.team_of(call) == team, asked  # names read with its own token
    cached = db_rows(bot.db_path, "SELECT user_id FROM directory WHERE team_id = ?", (team,))
    assert {r[0] for r in cached} >= set(people(word))
    assert all(word in r[0] for r in cached), cached  # its cache holds its own people only


@pytest.mark.parametrize("word", WORDS)
def test_the_message_shortcut_answers_in_its_own_workspace(played, word: str) -> None:
    bot, slack = played
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    team, here, who = TEAMS[word], channel(word), people(word)[1]
    ts = f"1710000000.{WORDS.index(word):06d}"
    question = f"write a limerick about {word.lower()}"  # declined: recorded for curators
    message = {"user": people(word)[0], "ts": ts, "text": question}
    body = message_action_body(
        shortcuts.MESSAGE_SHORTCUT,
        message,
        user_id=who,
        channel_id=here,
        team_id=team,
        response_url=slack.response_url(f"shortcut-{word}"),
    )
    assert sender.post(body, FORM).status_code == 200
    post = _wait_call(
        slack,
        "chat.postMessage",
        lambda c: c.body.get("channel") == here and c.body.get("thread_ts") == ts,
    )
    assert slack.team_of(post) == team  # answered in its thread with its own token
    assert_only(word, json.dumps(post.body), "the message shortcut")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        rows = db_rows(bot.db_path, "SELECT team_id FROM declined WHERE question = ?", (question,))
        if rows:
            break
        time.sleep(0.05)
    assert [r[0] for r in rows] == [team]  # the declined question is its workspace's
    unanswered = _asker(sender, slack, team)("unanswered", admin(word), here)
    assert "LIMERICK" in unanswered.upper()
    assert_only(word, unanswered, "unanswered after the shortcut")


@pytest.mark.parametrize("word", WORDS)
def test_the_ask_modal_answers_in_its_own_workspace(played, word: str) -> None:
    bot, slack = played
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    team, who = TEAMS[word], people(word)[0]
    before = len(slack.calls("views.open"))
    assert sender.post(shortcut_body(shortcuts.GLOBAL_SHORTCUT, user_id=who, team_id=team), FORM)
    opened = slack.wait_for("views.open", count=before + 1)[-1]
    assert slack.team_of(opened) == team  # the modal opened with its own token
    values = {
        shortcuts.QUESTION_BLOCK: {
            shortcuts.QUESTION_INPUT: {
                "type": "plain_text_input",
                "value": "who patches the guest OS on EC2?",
            }
        }
    }
    body = view_submission_body(shortcuts.ASK_VIEW, values, user_id=who, team_id=team)
    assert sender.post(body, FORM).status_code == 200
    post = _wait_call(slack, "chat.postMessage", lambda c: c.body.get("channel") == f"D{who}")
    assert slack.team_of(post) == team  # the answer by DM, with its own token
    assert_only(word, json.dumps(post.body), "the Ask ofin modal")
