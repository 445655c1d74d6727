"""Three OAuth `serve` workers on one PostgreSQL: one scheduler loop walks every workspace.

Workspaces are installed through "Add to Slack" and set their daily quiz up through the workers
that do not lead the schedulers, so the leader never sees a request from them: it must still
post each one's quiz, once, with that workspace's own token, because its scheduler loop walks
the installed workspaces (bot/slack/scheduler_loop.py), not the ones that happened to call it.
Then one workspace uninstalls ofin (through a follower), the leader is killed with SIGKILL, and
the next day the new leader posts the two remaining workspaces' quizzes once each, and nothing
for the one that left.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import ADMIN
from tests.e2e.harness import SIGNING_SECRET, FakeSlack, OfinProcess, SlackSender
from tests.e2e.harness.slack_requests import event_body
from tests.e2e.test_oauth import install
from tests.e2e.test_quiz_daily import buttons, rid, wait_until
from tests.store.pg_server import fresh_database, pg_server

LEADS = "this worker now runs the schedulers"
TEAMS = ("T0SA", "T0SB", "T0SC")


@pytest.fixture(scope="module")
def pg_tcp_url() -> Iterator[str]:
    yield from pg_server(tcp=True)


def leaders(workers: list[OfinProcess]) -> list[OfinProcess]:
    return [w for w in workers if w.proc and w.proc.poll() is None and LEADS in w.log()]


def quizzes(slack: FakeSlack, team: str) -> list:
    """The daily quizzes posted in the workspace's channel, with the token that posted each."""
    return [
        (c, slack.team_of(c))
        for c in slack.calls("chat.postMessage")
        if c.body.get("channel") == f"C{team}" and buttons(c.body)
    ]


def ticks(worker: OfinProcess) -> dict[str, int]:
    with urllib.request.urlopen(f"{worker.base_url}/healthz/ticks", timeout=5) as response:
        return json.loads(response.read())


def test_the_leader_walks_every_installed_workspace_and_a_survivor_takes_over(
    pg_tcp_url: str, ofin_factory, tmp_path, slack: FakeSlack
) -> None:
    url = fresh_database(pg_tcp_url)
    clock = tmp_path / "now.txt"
    clock.write_text("2026-03-02T08:00:00+00:00")  # a Monday
    env = {
        "OFIN_DATABASE_URL": url,
        "OFIN_FAKE_NOW_FILE": str(clock),
        "OFIN_SCHEDULER_SECONDS": "0.2",
        "SLACK_BOT_TOKEN": "",
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "client-secret",
    }
    workers = [ofin_factory(**env) for _ in range(3)]
    wait_until(lambda: len(leaders(workers)) == 1, what="one worker to take the lead")
    (leader,) = leaders(workers)
    followers = [w for w in workers if w is not leader]
    slack.set_redirect_url(f"{followers[0].base_url}/slack/oauth_redirect")
    for k, team in enumerate(TEAMS):  # installed, and set up, through the followers only
        install(followers[k % 2], slack, team)
        r = rid()
        sent = SlackSender(followers[k % 2].events_url, SIGNING_SECRET).command(
            "daily on 09:00 UTC",
            user_id=ADMIN,
            channel_id=f"C{team}",
            team_id=team,
            response_url=slack.response_url(r),
        )
        assert sent.status_code == 200
        assert "09:00" in json.dumps(slack.wait_for(f"response:{r}", timeout=15)[0].body)

    # Day 1: the leader, which never heard from these workspaces, posts each one's quiz once.
    clock.write_text("2026-03-02T09:00:05+00:00")
    for team in TEAMS:
        wait_until(lambda t=team: len(quizzes(slack, t)) == 1, what=f"{team}'s daily quiz")
    time.sleep(1.0)  # several passes of every worker: nothing posted twice
    for team in TEAMS:
        ((_, token_team),) = quizzes(slack, team)
        assert token_team == team  # with its own workspace's token
    seen = ticks(leader)
    assert seen["ofin-schedulers"] > 0 and seen["ofin-daily"] > 0  # one loop, its daily jobs

    # One workspace uninstalls ofin (the event reaches a follower); the leader is killed.
    gone = SlackSender(followers[1].events_url, SIGNING_SECRET).post(
        event_body({"type": "app_uninstalled"}, team_id=TEAMS[2]), "application/json"
    )
    assert gone.status_code == 200
    assert leader.proc is not None
    os.kill(leader.proc.pid, signal.SIGKILL)
    leader.proc.wait(10)
    wait_until(lambda: len(leaders(followers)) == 1, what="a survivor to take the lead")

    # Day 2: the new leader posts the two workspaces still installed, once each.
    clock.write_text("2026-03-03T09:00:05+00:00")
    for team in TEAMS[:2]:
        wait_until(lambda t=team: len(quizzes(slack, t)) == 2, what=f"{team}'s second quiz")
    time.sleep(1.5)
    assert [len(quizzes(slack, team)) for team in TEAMS] == [2, 2, 1]
    assert all(token_team == team for team in TEAMS for _, token_team in quizzes(slack, team))
