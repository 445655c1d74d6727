"""Authorization from the stored installation: no auth.test before a request's ack."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import pytest
from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.clock import FakeClock
from bot.slack.authorize import StoredAuthorize
from bot.slack.installations import StoreInstallations
from bot.store import InstallationRow, Store
from tests.e2e.harness.fake_slack import FakeSlack


@pytest.fixture
def slack():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "ofin.db", clock=FakeClock(datetime(2026, 3, 2, tzinfo=UTC)))
    yield store
    store.close()


def authorize(store: Store, slack: FakeSlack) -> StoredAuthorize:
    client = WebClient(base_url=slack.api_url)
    return StoredAuthorize(
        installation_store=StoreInstallations(store.installations),
        client_id="1.2",
        client_secret="s",
        client=client,
        bot_only=True,
        cache_enabled=True,
        logger=logging.getLogger("test"),
    )


def context(slack: FakeSlack) -> BoltContext:
    return BoltContext(client=WebClient(base_url=slack.api_url))


def row(team: str, **values: object) -> InstallationRow:
    fields: dict = {
        "enterprise_id": "",
        "team_id": team,
        "is_enterprise_install": False,
        "bot_token": f"xoxb-{team}",
        "bot_id": "B0OFIN",
        "bot_user_id": "U0OFIN",
        "bot_scopes": "chat:write,commands",
        "team_name": f"team {team}",
    }
    return InstallationRow(**(fields | values))


def test_a_request_is_authorized_from_the_installation_without_calling_slack(store, slack) -> None:
    store.installations.save(row("T1"))
    result = authorize(store, slack)(
        context=context(slack), enterprise_id=None, team_id="T1", user_id="U1"
    )
    assert result is not None
    assert (result.bot_token, result.bot_id, result.bot_user_id) == ("xoxb-T1", "B0OFIN", "U0OFIN")
    assert (result.team_id, result.team) == ("T1", "team T1")
    assert list(result.bot_scopes) == ["chat:write", "commands"]
    assert slack.calls() == []  # no auth.test, no other call


def test_an_unknown_workspace_is_not_authorized(store, slack) -> None:
    result = authorize(store, slack)(
        context=context(slack), enterprise_id=None, team_id="T9", user_id="U1"
    )
    assert result is None


def test_an_installation_without_the_bots_ids_asks_auth_test_as_bolt_does(store, slack) -> None:
    store.installations.save(row("T1", bot_id=None, bot_user_id=None))
    result = authorize(store, slack)(
        context=context(slack), enterprise_id=None, team_id="T1", user_id="U1"
    )
    assert result is not None and result.bot_token == "xoxb-T1"
    assert len(slack.calls("auth.test")) == 1


def test_a_token_about_to_expire_is_rotated_and_saved(store, slack) -> None:
    store.installations.save(
        row("T1", bot_refresh_token="xoxe:T1:1", bot_token_expires_at=int(time.time()) + 120)
    )
    result = authorize(store, slack)(
        context=context(slack), enterprise_id=None, team_id="T1", user_id="U1"
    )
    assert result is not None and result.bot_token != "xoxb-T1"
    assert store.installations.find(None, "T1").bot_token == result.bot_token
    assert [c.body["grant_type"] for c in slack.calls("oauth.v2.access")] == ["refresh_token"]


def test_the_bots_own_user_is_asked_when_first_needed_not_when_wired(store, slack) -> None:
    """A workspace's helpers are wired at its first request, before the ack: no auth.test then."""
    from bot.slack.report import BotUser

    bot_user = BotUser(WebClient(token="xoxb-T1", base_url=slack.api_url))
    assert slack.calls("auth.test") == []
    first = bot_user()
    assert first and bot_user() == first
    assert len(slack.calls("auth.test")) == 1  # then kept
