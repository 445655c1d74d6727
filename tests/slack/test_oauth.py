"""OAuth settings: the scopes asked for, Slack's URLs, and tokens that rotate before they expire."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import yaml

from bot.clock import FakeClock
from bot.config import ConfigError, Settings, from_env
from bot.slack.installations import StoreInstallations
from bot.slack.oauth import BOT_SCOPES, InstalledClient, authorize_url
from bot.store import InstallationRow, Store
from tests.e2e.harness.fake_slack import MANIFEST, FakeSlack, manifest_scopes


def test_an_install_asks_for_exactly_the_manifests_scopes() -> None:
    assert list(BOT_SCOPES) == manifest_scopes()


def test_the_consent_page_is_beside_the_web_api() -> None:
    assert authorize_url("https://slack.com/api/") == "https://slack.com/oauth/v2/authorize"
    assert authorize_url("http://127.0.0.1:9/api/") == "http://127.0.0.1:9/oauth/v2/authorize"


def test_oauth_mode_needs_both_client_values_and_no_bot_token() -> None:
    oauth = from_env(
        {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": "x"}
    )
    assert oauth.oauth and oauth.bot_token is None
    oauth.require_http()  # no SLACK_BOT_TOKEN needed
    with pytest.raises(ConfigError, match="SLACK_CLIENT_SECRET"):
        from_env({"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "x"}).require_http()
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        from_env({"SLACK_SIGNING_SECRET": "x"}).require_http()  # single-token mode as before
    assert from_env({}).retention_days == 30
    assert from_env({"OFIN_RETENTION_DAYS": "7"}).retention_days == 7


@pytest.fixture
def slack():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def test_a_token_about_to_expire_is_rotated_before_the_call(tmp_path, slack) -> None:
    store = Store(tmp_path / "ofin.db", clock=FakeClock(datetime(2026, 3, 2, tzinfo=UTC)))
    installations = StoreInstallations(store.installations)
    store.installations.save(
        InstallationRow(
            enterprise_id="",
            team_id="T1",
            is_enterprise_install=False,
            bot_token="xoxb-old",
            bot_refresh_token="xoxe:T1:1",
            bot_token_expires_at=int(time.time()) + 120,  # two minutes left
        )
    )
    settings = Settings(client_id="1.2", client_secret="s", api_url=slack.api_url)
    client = InstalledClient(installations, settings, "T1", None)
    client.chat_postMessage(channel="C1", text="hi")
    (refresh,) = slack.calls("oauth.v2.access")
    assert refresh.body["grant_type"] == "refresh_token"
    assert refresh.body["refresh_token"] == "xoxe:T1:1"
    (post,) = slack.calls("chat.postMessage")
    assert slack.team_of(post) == "T1"  # the new token, which the stand-in gave to T1
    saved = store.installations.find(None, "T1")
    assert saved.bot_token != "xoxb-old" and saved.bot_token_expires_at > time.time() + 3600
    client.chat_postMessage(channel="C1", text="again")
    assert len(slack.calls("oauth.v2.access")) == 1  # fresh now: not rotated again
    store.installations.delete(None, "T1")
    assert client.token is None  # uninstalled: nothing to speak with
    store.close()


def test_the_manifest_offers_the_install_and_its_lifecycle_events() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert [u.rsplit("/", 2)[-2:] for u in manifest["oauth_config"]["redirect_urls"]] == [
        ["slack", "oauth_redirect"]
    ]
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_uninstalled", "tokens_revoked"} <= events
