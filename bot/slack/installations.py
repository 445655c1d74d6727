"""Bolt's InstallationStore and OAuthStateStore on ofin's own store (bot/store/installations.py).

Bolt saves what ``oauth.v2.access`` returned when a workspace (or a Grid org) installs ofin,
finds it again for every request (so each is answered with its own workspace's token, refreshed
when token rotation is on) and deletes it when the app is uninstalled or its tokens revoked.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from logging import Logger

from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.store.installations import InstallationRow, Installations

logger = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(minutes=10)  # from "Add to Slack" to the consent's redirect


def _row(installation: Installation) -> InstallationRow:
    expires = installation.bot_token_expires_at
    return InstallationRow(
        enterprise_id=installation.enterprise_id or "",
        team_id=installation.team_id or "",
        is_enterprise_install=bool(installation.is_enterprise_install),
        bot_token=installation.bot_token or "",
        bot_id=installation.bot_id,
        bot_user_id=installation.bot_user_id,
        bot_scopes=",".join(installation.bot_scopes or []),
        bot_refresh_token=installation.bot_refresh_token,
        bot_token_expires_at=int(expires) if expires is not None else None,
        app_id=installation.app_id,
        team_name=installation.team_name,
        enterprise_name=installation.enterprise_name,
        enterprise_url=installation.enterprise_url,
        installer_user_id=installation.user_id,
        token_type=installation.token_type,
    )


def _installation(row: InstallationRow) -> Installation:
    return Installation(
        app_id=row.app_id,
        enterprise_id=row.enterprise_id or None,
        enterprise_name=row.enterprise_name,
        enterprise_url=row.enterprise_url,
        team_id=row.team_id or None,
        team_name=row.team_name,
        bot_token=row.bot_token,
        bot_id=row.bot_id,
        bot_user_id=row.bot_user_id,
        bot_scopes=row.bot_scopes,
        bot_refresh_token=row.bot_refresh_token,
        bot_token_expires_at=row.bot_token_expires_at,
        user_id=row.installer_user_id or "",
        is_enterprise_install=row.is_enterprise_install,
        token_type=row.token_type,
        installed_at=row.installed_at.timestamp() if row.installed_at else None,
    )


class StoreInstallations(InstallationStore):
    """Installations in ofin's database: one bot per workspace, or per org for org-wide installs."""

    def __init__(self, installations: Installations) -> None:
        self._installations = installations

    @property
    def logger(self) -> Logger:
        return logger

    def save(self, installation: Installation) -> None:
        """Store a new install, a reinstall, or the tokens token rotation refreshed."""
        self._installations.save(_row(installation))

    def save_bot(self, bot: Bot) -> None:
        """Store a bot's refreshed tokens (Bolt saves whole installations; kept for the API)."""
        self.save(_installation_of_bot(bot))

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The installation serving this workspace (its own, else its org's); ofin keeps bot
        tokens only, so any ``user_id`` gets the same one."""
        row = self._installations.find(enterprise_id, team_id, org_wide=bool(is_enterprise_install))
        return _installation(row) if row else None

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The bot serving this workspace (its own install, else its org's)."""
        installation = self.find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return installation.to_bot() if installation else None

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget the bot's tokens (tokens_revoked, app_uninstalled)."""
        self._installations.delete(enterprise_id, team_id, org_wide=not team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Forget the installation; a user's revoked token alone keeps the bot's."""
        if user_id is None:
            self._installations.delete(enterprise_id, team_id, org_wide=not team_id)


def _installation_of_bot(bot: Bot) -> Installation:
    return Installation(
        app_id=bot.app_id,
        enterprise_id=bot.enterprise_id,
        enterprise_name=bot.enterprise_name,
        team_id=bot.team_id,
        team_name=bot.team_name,
        bot_token=bot.bot_token,
        bot_id=bot.bot_id,
        bot_user_id=bot.bot_user_id,
        bot_scopes=bot.bot_scopes,
        bot_refresh_token=bot.bot_refresh_token,
        bot_token_expires_at=bot.bot_token_expires_at,
        user_id="",
        is_enterprise_install=bot.is_enterprise_install,
    )


class StoreOAuthStates(OAuthStateStore):
    """OAuth states in ofin's database: any worker can finish an install another one began."""

    def __init__(self, installations: Installations) -> None:
        self._installations = installations

    @property
    def logger(self) -> Logger:
        return logger

    def issue(self, *args: object, **kwargs: object) -> str:
        """A new state for one "Add to Slack" click."""
        return self._installations.issue_state(STATE_LIFETIME)

    def consume(self, state: str) -> bool:
        """True once for a state issued here that has not expired."""
        return self._installations.consume_state(state)
