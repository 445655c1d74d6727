"""OAuth install for any number of workspaces: Bolt's OAuthSettings on ofin's store.

With ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` set, ``serve`` offers "Add to Slack" at
/slack/install and Slack's redirect at /slack/oauth_redirect (Bolt's defaults). Every Web API
call, the code exchange (``oauth.v2.access``), ``auth.test`` and token rotation included, goes to
``SLACK_API_URL``; the consent page is the one beside it (``…/oauth/v2/authorize``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.config import Settings
from bot.slack.installations import StoreInstallations, StoreOAuthStates
from bot.store.installations import Installations

logger = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
#: The bot scopes an install asks for: manifest.yml's (tests/slack/test_oauth.py keeps them equal).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "app_mentions:read",
    "im:history",
    "im:read",
    "im:write",
    "users:read",
    "users:read.email",  # emails beside names in the report's Download (optional in the manifest)
    "channels:read",
    "channels:history",
    "groups:read",
    "groups:history",
    "files:write",
    "files:read",
)
ROTATE_MINUTES_BEFORE = 10  # a token rotated this long before it expires never lapses mid-call


def authorize_url(api_url: str) -> str:
    """Slack's consent page beside its Web API (https://slack.com/oauth/v2/authorize)."""
    base = api_url[: -len("api/")] if api_url.endswith("/api/") else api_url.rstrip("/") + "/"
    return base + "oauth/v2/authorize"


def oauth_settings(settings: Settings, installations: Installations) -> OAuthSettings:
    """Bolt's OAuth settings: ofin's scopes, its installation and state stores, Slack's URLs."""
    return OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        installation_store=StoreInstallations(installations),
        state_store=StoreOAuthStates(installations),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        redirect_uri=settings.redirect_uri,
        authorization_url=authorize_url(settings.api_url),
    )


class InstalledClient(WebClient):
    """A Web API client that speaks for one installed workspace, with its current bot token.

    The token is read from the store at each call (a reinstall or a rotation elsewhere shows at
    once) and, with token rotation on, refreshed shortly before it expires, so a scheduler that
    posts at night does not wait for someone's request to refresh it.
    """

    def __init__(
        self,
        store: StoreInstallations,
        settings: Settings,
        team_id: str,
        enterprise_id: str | None,
        **kwargs: Any,
    ) -> None:
        self._store = store
        self._team_id = team_id
        self._enterprise_id = enterprise_id
        self._rotator = TokenRotator(
            client_id=settings.client_id or "",
            client_secret=settings.client_secret or "",
            client=WebClient(base_url=settings.api_url),
        )
        super().__init__(base_url=settings.api_url, **kwargs)

    @property
    def token(self) -> str | None:
        """The workspace's bot token now (None once it uninstalled ofin)."""
        installation = self._store.find_installation(
            enterprise_id=self._enterprise_id, team_id=self._team_id
        )
        if installation is None:
            return None
        expires = installation.bot_token_expires_at
        if (
            installation.bot_refresh_token
            and expires
            and expires - time.time() < 60 * ROTATE_MINUTES_BEFORE
        ):
            refreshed = self._rotator.perform_token_rotation(
                installation=installation, minutes_before_expiration=ROTATE_MINUTES_BEFORE
            )
            if refreshed is not None:
                self._store.save(refreshed)
                installation = refreshed
        return installation.bot_token

    @token.setter
    def token(self, value: str | None) -> None:
        pass  # the store holds the token; WebClient's constructor sets None here
