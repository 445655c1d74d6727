"""The daily quiz over real HTTP: post, 50 concurrent answerers with double clicks and retries,
the live count, the reveal, the leaderboard, and restart safety with a controllable clock."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.kb.loader import load
from tests.e2e.conftest import ADMIN
from tests.e2e.harness import FakeSlack, OfinProcess, SlackSender, db_rows
from tests.e2e.harness.slack_requests import FORM, block_actions_body

QUESTIONS = {q.id: q for q in load().quiz_questions}
DAILY_PREFIX = "ofin_daily_answer_"


def rid() -> str:
    return uuid.uuid4().hex[:10]


def command(sender: SlackSender, slack: FakeSlack, text: str, user: str, channel: str) -> dict:
    """Send /ofin TEXT in CHANNEL and return what came back through response_url."""
    r = rid()
    resp = sender.command(
        text, user_id=user, channel_id=channel, response_url=slack.response_url(r)
    )
    assert resp.status_code == 200
    return slack.wait_for(f"response:{r}", timeout=15)[0].body


def posts_in(slack: FakeSlack, channel: str) -> list:
    return [c for c in slack.calls("chat.postMessage") if c.body.get("channel") == channel]


def wait_post(slack: FakeSlack, channel: str, count: int = 1, timeout: float = 15) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = posts_in(slack, channel)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(
        f"expected {count} post(s) in {channel}, got {len(posts_in(slack, channel))}"
    )


def buttons(message: dict) -> list[dict]:
    return [
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith(DAILY_PREFIX)
    ]


def updates_of(slack: FakeSlack, ts: str) -> list:
    return [c for c in slack.calls("chat.update") if c.body.get("ts") == ts]


def post_row(db: Path, channel: str) -> tuple:
    rows = db_rows(
        db,
        "SELECT id, question_id FROM quiz_posts WHERE channel_id = ? ORDER BY id DESC LIMIT 1",
        (channel,),
    )
    assert rows, f"no post stored for {channel}"
    return rows[0]


def click(
    sender: SlackSender,
    slack: FakeSlack,
    user: str,
    channel: str,
    ts: str,
    value: str,
    retry: int | None = None,
) -> int:
    body = block_actions_body(
        f"{DAILY_PREFIX}{value.rsplit(':', 1)[1]}",
        value,
        user_id=user,
        channel_id=channel,
        response_url=slack.response_url(f"click-{user}-{rid()}"),
        message_ts=ts,
        is_ephemeral=False,
    )
    headers = (
        {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
    )
    return sender.post(body, FORM, headers=headers).status_code


def wait_until(check: Callable[[], bool], timeout: float = 15, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def daily_ticks(bot: OfinProcess) -> int:
    """How many passes the bot's daily scheduler has finished (GET /healthz/ticks)."""
    with urllib.request.urlopen(f"{bot.base_url}/healthz/ticks", timeout=5) as response:
        return json.loads(response.read())["ofin-daily"]


def wait_ticks(bot: OfinProcess, passes: int = 3) -> None:
    """Wait until the scheduler has looked again ``passes`` times, so "never twice" was tried."""
    first = daily_ticks(bot)
    wait_until(lambda: daily_ticks(bot) >= first + passes, what=f"{passes} scheduler passes")


def answer_count(db: Path, post_id: int) -> int:
    return db_rows(db, "SELECT COUNT(*) FROM answers WHERE post_id = ?", (post_id,))[0][0]


def test_daily_now_fifty_people_reveal_and_leaderboard(
    ofin: OfinProcess, sender: SlackSender, slack: FakeSlack
):
    channel = f"CQ{rid().upper()}"
    reply = command(sender, slack, "daily now", ADMIN, channel)
    assert "Posted" in json.dumps(reply)
    (post,) = wait_post(slack, channel)
    ts = post.body.get("ts") or post.body.get("channel")
    shown = buttons(post.body)
    assert [b["text"]["text"].split()[-1] for b in shown][:1]  # labelled buttons
    post_id, question_id = post_row(ofin.db_path, channel)
    question = QUESTIONS[question_id]
    assert len(shown) == len(question.choices)
    right = question.choices.index(question.answer)
    wrong = (right + 1) % len(question.choices)
    # The stand-in numbers posts; the message ts is what it answered.
    ts = db_rows(ofin.db_path, "SELECT message_ts FROM quiz_posts WHERE id = ?", (post_id,))[0][0]
    assert ts

    users = [f"UP{i:03d}" for i in range(50)]
    first_choice = {u: (right if i % 3 else wrong) for i, u in enumerate(users)}

    def person(i: int) -> list[int]:
        user = users[i]
        value = f"{post_id}:{first_choice[user]}"
        codes = [click(sender, slack, user, channel, ts, value)]
        if i % 5 == 0:  # a double click with the other answer: must not count
            other = right if first_choice[user] == wrong else wrong
            codes.append(click(sender, slack, user, channel, ts, f"{post_id}:{other}"))
        if i % 7 == 0:  # Slack re-sends the same click
            codes.append(click(sender, slack, user, channel, ts, value, retry=1))
        return codes

    with ThreadPoolExecutor(16) as pool:
        codes = [c for cs in pool.map(person, range(50)) for c in cs]
    assert set(codes) == {200}

    wait_until(lambda: answer_count(ofin.db_path, post_id) == 50, what="50 answers")
    slack.settle(quiet=0.5)
    assert answer_count(ofin.db_path, post_id) == 50
    stored = dict(
        db_rows(ofin.db_path, "SELECT user_id, choice FROM answers WHERE post_id = ?", (post_id,))
    )
    assert stored == {u: question.choices[first_choice[u]] for u in users}  # first answers won
    # The live count catches up (its updates run after the acks, so allow for a busy machine).
    wait_until(
        lambda: (
            bool(updates_of(slack, ts))
            and "50 people answered so far" in updates_of(slack, ts)[-1].text()
        ),
        what="the live count to show 50",
    )

    # Reveal: the post shows the answer, the share right and the first right answerers.
    assert "revealed" in json.dumps(command(sender, slack, "daily reveal", ADMIN, channel))
    wait_until(lambda: "the answer" in updates_of(slack, ts)[-1].text(), what="the reveal")
    revealed = updates_of(slack, ts)[-1].text()
    n_right = sum(1 for u in users if first_choice[u] == right)
    assert f"{round(100 * n_right / 50)}% got it right" in revealed
    assert "First right" in revealed
    assert not any(b["type"] == "actions" for b in updates_of(slack, ts)[-1].body["blocks"])

    # A click on the closed quiz changes nothing and says so privately.
    late = f"click-late-{rid()}"
    body = block_actions_body(
        f"{DAILY_PREFIX}{right}",
        f"{post_id}:{right}",
        user_id="ULATE",
        channel_id=channel,
        response_url=slack.response_url(late),
        message_ts=ts,
        is_ephemeral=False,
    )
    assert sender.post(body, FORM).status_code == 200
    assert "closed" in slack.wait_for(f"response:{late}")[0].text()
    assert answer_count(ofin.db_path, post_id) == 50

    # Leaderboard: right answerers (15 points each) above wrong ones; the caller's own rank
    # shows even outside the top 10.
    loser = users[0]  # i == 0 answered wrong
    board = json.dumps(command(sender, slack, "leaderboard", loser, channel), ensure_ascii=False)
    assert f"<@{loser}>" in board and "← you" in board
    top_user = next(u for u in users if first_choice[u] == right)
    assert board.index(f"<@{top_user}>") < board.index(f"<@{loser}>")
    assert "15 pts" in board and "0 pts" in board


def test_leaderboard_orders_by_points_over_two_quizzes(
    ofin_factory, tmp_path: Path, slack: FakeSlack
):
    clock = tmp_path / "now.txt"
    clock.write_text("2026-03-02T08:00:00+00:00")
    ofin = ofin_factory(OFIN_FAKE_NOW_FILE=str(clock))
    sender = SlackSender(ofin.events_url, ofin.env["SLACK_SIGNING_SECRET"])
    channel = f"CL{rid().upper()}"
    results = {"UALPHA": (True, True), "UBRAVO": (True, False), "UCHARLIE": (False, False)}
    for day in range(2):
        clock.write_text(f"2026-03-0{2 + day}T08:00:00+00:00")  # "daily now" posts once a minute
        command(sender, slack, "daily now", ADMIN, channel)
        wait_post(slack, channel, day + 1)
        post_id, question_id = post_row(ofin.db_path, channel)
        q = QUESTIONS[question_id]
        right = q.choices.index(q.answer)
        ts = db_rows(ofin.db_path, "SELECT message_ts FROM quiz_posts WHERE id = ?", (post_id,))[0][
            0
        ]
        for user, marks in results.items():
            choice = right if marks[day] else (right + 1) % len(q.choices)
            assert click(sender, slack, user, channel, ts, f"{post_id}:{choice}") == 200
        wait_until(lambda pid=post_id: answer_count(ofin.db_path, pid) == 3, what="3 answers")
    board = json.dumps(
        command(sender, slack, "leaderboard all", "UCHARLIE", channel), ensure_ascii=False
    )
    assert board.index("UALPHA") < board.index("UBRAVO") < board.index("UCHARLIE")
    stats = json.dumps(command(sender, slack, "stats", "UALPHA", channel), ensure_ascii=False)
    assert "Accuracy: 100%" in stats and "Streak: 2" in stats  # the open one counts once answered
    teams = json.dumps(command(sender, slack, "leaderboard teams", "UALPHA", channel))
    assert channel in teams


def test_non_admins_are_refused_daily(ofin: OfinProcess, sender: SlackSender, slack: FakeSlack):
    channel = f"CN{rid().upper()}"
    reply = json.dumps(command(sender, slack, "daily now", "UNOBODY", channel))
    assert "admins only" in reply
    slack.settle(quiet=0.3)
    assert posts_in(slack, channel) == []


# --- restart safety with a controllable clock --------------------------------------------------


@pytest.fixture
def clocked(ofin_factory, tmp_path) -> tuple[OfinProcess, Path]:
    clock = tmp_path / "now.txt"
    clock.write_text("2026-03-02T08:00:00+00:00")  # a Monday
    bot = ofin_factory(OFIN_FAKE_NOW_FILE=str(clock), OFIN_SCHEDULER_SECONDS="0.1")
    return bot, clock


def test_restart_mid_quiz_loses_nothing_and_never_posts_twice(
    clocked: tuple[OfinProcess, Path], slack: FakeSlack
):
    bot, clock = clocked
    sender = SlackSender(bot.events_url, bot.env["SLACK_SIGNING_SECRET"])
    channel = f"CR{rid().upper()}"
    assert "Daily quiz on" in json.dumps(
        command(sender, slack, "daily on 09:00 UTC", ADMIN, channel)
    )
    wait_ticks(bot)
    assert posts_in(slack, channel) == []  # 08:00: not yet

    clock.write_text("2026-03-02T09:00:30+00:00")
    (post,) = wait_post(slack, channel)
    assert buttons(post.body)
    post_id, question_id = post_row(bot.db_path, channel)
    q = QUESTIONS[question_id]

    def message_ts() -> str | None:
        return db_rows(bot.db_path, "SELECT message_ts FROM quiz_posts WHERE id = ?", (post_id,))[
            0
        ][0]

    wait_until(lambda: message_ts() is not None, what="the post's ts")  # stored just after
    ts = message_ts()
    for i in range(5):
        assert click(sender, slack, f"UR{i}", channel, ts, f"{post_id}:0") == 200
    wait_until(lambda: answer_count(bot.db_path, post_id) == 5, what="5 answers")

    bot.proc.kill()  # a crash, mid-quiz
    bot.proc.wait()
    bot.stop()
    bot.start()
    sender = SlackSender(bot.events_url, bot.env["SLACK_SIGNING_SECRET"])
    wait_ticks(bot)
    assert len(posts_in(slack, channel)) == 1  # no duplicate post
    for i in range(5):  # the same people again: nothing new
        click(sender, slack, f"UR{i}", channel, ts, f"{post_id}:1")
    for i in range(5, 8):
        click(sender, slack, f"UR{i}", channel, ts, f"{post_id}:0")
    wait_until(lambda: answer_count(bot.db_path, post_id) == 8, what="8 answers")
    slack.settle(quiet=0.5)
    assert answer_count(bot.db_path, post_id) == 8
    wait_until(
        lambda: (
            bool(updates_of(slack, ts))
            and "8 people answered so far" in updates_of(slack, ts)[-1].text()
        ),
        what="the live count to show 8",
    )

    # The next scheduled day: Monday's quiz is revealed as Tuesday's posts.
    clock.write_text("2026-03-03T09:00:05+00:00")
    wait_post(slack, channel, 2)
    wait_until(lambda: "the answer" in updates_of(slack, ts)[-1].text(), what="Monday's reveal")
    assert (
        f"*{ {'aws': 'AWS', 'customer': 'You', 'shared': 'Shared'}.get(q.answer, q.answer) }*"
        in (updates_of(slack, ts)[-1].text())
    )
    bot.restart()
    wait_ticks(bot)
    assert len(posts_in(slack, channel)) == 2


def test_quiz_due_while_down_posts_once_after_restart(
    clocked: tuple[OfinProcess, Path], slack: FakeSlack
):
    bot, clock = clocked
    sender = SlackSender(bot.events_url, bot.env["SLACK_SIGNING_SECRET"])
    channel = f"CC{rid().upper()}"
    command(sender, slack, "daily on 09:00 UTC mon-fri", ADMIN, channel)
    bot.stop()  # down before 09:00 ...
    clock.write_text("2026-03-02T15:00:00+00:00")  # ... and back at 15:00 the same day
    bot.start()
    wait_post(slack, channel, 1)
    bot.restart()
    wait_ticks(bot)
    assert len(posts_in(slack, channel)) == 1  # posted once, never twice
    rows = db_rows(bot.db_path, "SELECT slot FROM quiz_posts WHERE channel_id = ?", (channel,))
    assert rows == [(f"daily:{channel}:2026-03-02",)]
    # Down over the next day entirely: Tuesday's quiz is not back-posted on Wednesday morning.
    bot.stop()
    clock.write_text("2026-03-04T08:00:00+00:00")
    bot.start()
    wait_ticks(bot)
    assert len(posts_in(slack, channel)) == 1
