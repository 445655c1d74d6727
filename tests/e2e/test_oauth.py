"""OAuth install end to end: "Add to Slack" for several workspaces against the Slack stand-in.

A browser (a requests session, cookies and redirects included) opens /slack/install, follows
"Add to Slack" to the stand-in's consent page, which sends it back to /slack/oauth_redirect with
a code; ofin exchanges the code at oauth.v2.access (the stand-in gives each workspace its own
token) and stores the installation. Signed requests from each workspace are then answered with
that workspace's token (the stand-in records each call's Authorization header), an org-wide
Grid install serves its workspaces, and app_uninstalled / tokens_revoked delete the installation
while the workspace's data stays for the retention period.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.harness import SIGNING_SECRET, FakeSlack, OfinProcess, SlackSender
from tests.e2e.harness.db import db_rows
from tests.e2e.harness.slack_requests import event_body

TEAMS = ("T0ALPHA", "T0BRAVO", "T0CHARLIE")
ADMIN = "UADMIN"


@pytest.fixture(scope="module")
def oauth_bot(
    fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OfinProcess]:
    cwd = tmp_path_factory.mktemp("oauth")
    bot = OfinProcess(
        {
            "SLACK_API_URL": fake_slack.api_url,
            "OFIN_DB": str(cwd / "ofin.db"),
            "OFIN_ADMINS": ADMIN,
            "SLACK_BOT_TOKEN": "",
            "SLACK_CLIENT_ID": "111.222",
            "SLACK_CLIENT_SECRET": "client-secret",
        },
        cwd,
    ).start()
    try:
        fake_slack.set_redirect_url(f"{bot.base_url}/slack/oauth_redirect")
        yield bot
    finally:
        bot.stop()


def install(bot: OfinProcess, slack: FakeSlack, team: str, org: str | None = None) -> str:
    """Play "Add to Slack" as a person of ``team`` would; return the page ofin ends on."""
    slack.install_as(team, enterprise_id=org)
    with requests.Session() as browser:
        page = browser.get(f"{bot.base_url}/slack/install", timeout=10)
        assert page.status_code == 200, page.text
        link = re.search(r'href="([^"]*/oauth/v2/authorize\?[^"]*)"', page.text)
        assert link, page.text
        # Bolt's state cookie is Secure; browsers keep such cookies on http://localhost too.
        for cookie in list(browser.cookies):
            browser.cookies.set(cookie.name, cookie.value, secure=False)
        done = browser.get(html.unescape(link.group(1)), timeout=20)
    assert done.status_code == 200, done.text
    return done.text


def mention(sender: SlackSender, team: str, text: str, org: str | None = None) -> None:
    event = {
        "type": "app_mention",
        "user": f"U{team}",
        "text": f"<@UBOT> {text}",
        "ts": "1700000001.000100",
        "channel": f"C{team}",
    }
    body = json.loads(event_body(event, team_id=team))
    if org:  # from a workspace of an Enterprise Grid org that installed ofin org-wide
        body["enterprise_id"] = org
        body["authorizations"][0] |= {"enterprise_id": org, "is_enterprise_install": True}
    response = sender.post(json.dumps(body).encode(), "application/json")
    assert response.status_code == 200, response.text


def test_each_installed_workspace_is_answered_with_its_own_token(
    oauth_bot: OfinProcess, fake_slack: FakeSlack
) -> None:
    slack = fake_slack
    slack.reset()
    for team in TEAMS:
        assert "Thank you" in install(oauth_bot, slack, team)
    exchanges = slack.calls("oauth.v2.access")
    assert [c.body.get("code") for c in exchanges] == [f"code:{t}:" for t in TEAMS]
    credentials = base64.b64encode(b"111.222:client-secret").decode()
    assert all(c.headers.get("Authorization") == f"Basic {credentials}" for c in exchanges)
    rows = db_rows(oauth_bot.db_path, "SELECT team_id, bot_token FROM installations ORDER BY 1")
    assert [r[0] for r in rows] == sorted(TEAMS)
    assert len({r[1] for r in rows}) == 3  # three tokens, one per workspace

    # Bolt's install flow asks auth.test for the bot's id, once per install; requests are then
    # authorized from the stored installation, with no auth.test before their ack.
    checks = len(slack.calls("auth.test"))
    assert checks == len(TEAMS)
    sender = SlackSender(oauth_bot.events_url, SIGNING_SECRET)
    for team in TEAMS:
        mention(sender, team, "who patches the hypervisor?")
    posts = slack.wait_for("chat.postMessage", count=3)
    by_channel = {p.body["channel"]: slack.team_of(p) for p in posts}
    assert by_channel == {f"C{t}": t for t in TEAMS}  # each answered with its own token
    for _ in range(5):
        mention(sender, TEAMS[0], "who patches the hypervisor?")
    slack.wait_for("chat.postMessage", count=8)
    assert len(slack.calls("auth.test")) == checks


def test_an_org_wide_install_serves_every_workspace_of_the_org(
    oauth_bot: OfinProcess, fake_slack: FakeSlack
) -> None:
    slack = fake_slack
    slack.reset()
    install(oauth_bot, slack, "", org="E0GRID")
    rows = db_rows(
        oauth_bot.db_path,
        "SELECT enterprise_id, team_id, is_enterprise_install FROM installations "
        "WHERE enterprise_id = 'E0GRID'",
    )
    assert rows == [("E0GRID", "", 1)]
    sender = SlackSender(oauth_bot.events_url, SIGNING_SECRET)
    mention(sender, "T0GRIDONE", "who patches the hypervisor?", org="E0GRID")
    (post,) = slack.wait_for("chat.postMessage", count=1)
    assert post.body["channel"] == "CT0GRIDONE"
    assert slack.team_of(post) == ""  # the org's token (the stand-in's org tokens name no team)


def test_uninstall_and_revoked_tokens_delete_the_installation_but_keep_the_data(
    oauth_bot: OfinProcess, fake_slack: FakeSlack
) -> None:
    slack = fake_slack
    slack.reset()
    team = "T0DELTA"
    install(oauth_bot, slack, team)
    sender = SlackSender(oauth_bot.events_url, SIGNING_SECRET)
    mention(sender, team, "write me a poem")  # declined: a row of this workspace's data
    slack.wait_for("chat.postMessage", count=1)
    kept = db_rows(oauth_bot.db_path, "SELECT COUNT(*) FROM declined WHERE team_id = ?", (team,))
    assert kept == [(1,)]

    gone = sender.post(event_body({"type": "app_uninstalled"}, team_id=team), "application/json")
    assert gone.status_code == 200
    assert db_rows(
        oauth_bot.db_path, "SELECT COUNT(*) FROM installations WHERE team_id = ?", (team,)
    ) == [(0,)]
    assert db_rows(
        oauth_bot.db_path,
        "SELECT uninstalled_at IS NOT NULL FROM workspaces WHERE team_id = ?",
        (team,),
    ) == [(1,)]
    assert db_rows(
        oauth_bot.db_path, "SELECT COUNT(*) FROM declined WHERE team_id = ?", (team,)
    ) == [(1,)]  # kept for the retention period

    # Reinstalled, then its bot token revoked: the installation goes again.
    install(oauth_bot, slack, team)
    revoked = {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}
    assert sender.post(event_body(revoked, team_id=team), "application/json").status_code == 200
    assert db_rows(
        oauth_bot.db_path, "SELECT COUNT(*) FROM installations WHERE team_id = ?", (team,)
    ) == [(0,)]
    assert db_rows(oauth_bot.db_path, "SELECT COUNT(*) FROM installations") != [(0,)]


def test_the_single_token_mode_needs_no_client_id(tmp_path: Path, fake_slack: FakeSlack) -> None:
    bot = OfinProcess(
        {"SLACK_API_URL": fake_slack.api_url, "OFIN_DB": str(tmp_path / "ofin.db")}, tmp_path
    ).start()
    try:
        page = requests.get(f"{bot.base_url}/slack/install", timeout=10)
        assert page.status_code == 404  # no "Add to Slack" without SLACK_CLIENT_ID
        assert db_rows(bot.db_path, "SELECT value FROM meta WHERE key = 'home_team'") == [
            ("T0TEST",)  # the bot token's workspace, from auth.test
        ]
    finally:
        bot.stop()
