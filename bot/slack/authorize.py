"""Bolt's authorization for OAuth installs, from the stored installation alone (no auth.test).

Every request Slack sends is authorized before it is acknowledged: Bolt finds the workspace's
installation and asks Slack's ``auth.test`` what its token is (the bot's user and bot ids), once
per token with its cache. That cache is per process, so with several workers and many workspaces
the first click of each workspace at each worker waited on a Web API round trip before its ack
(seconds when Slack is slow, and a 500 when the call failed). What ``auth.test`` answers is what
the install already stored: ``oauth.v2.access`` gave the bot's user id and Bolt's install flow
asked ``auth.test`` for its bot id then. So the result is built from the row, with no call.

An installation stored without those ids (by hand, or by another tool) is authorized the way Bolt
does it, ``auth.test`` included. A token that was revoked still fails, later: at the listener's
first Web API call, and Slack's ``tokens_revoked`` event deletes the installation.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.authorization.authorize_result import AuthorizeResult
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.token_rotation.rotator import SlackTokenRotationError


class StoredAuthorize(InstallationStoreAuthorize):
    """InstallationStoreAuthorize (bot tokens only) without ``auth.test`` in the ack's path."""

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **actor: Any,
    ) -> AuthorizeResult | None:
        bot = self.installation_store.find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=context.is_enterprise_install,
        )
        if bot is None or not bot.bot_id or not bot.bot_user_id:
            return super().__call__(
                context=context,
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                **actor,
            )
        try:
            bot = self._rotated(bot)
        except SlackTokenRotationError as exc:  # as Bolt's: unrecoverable, the request stops
            self.logger.error(f"Failed to rotate tokens due to {exc}")
            return None
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            team=bot.team_name,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
        )

    def _rotated(self, bot: Bot) -> Bot:
        """The bot with fresh tokens when token rotation is on and they expire soon (saved)."""
        if bot.bot_refresh_token is None or self.token_rotator is None:
            return bot
        refreshed = self.token_rotator.perform_bot_token_rotation(
            bot=bot, minutes_before_expiration=self.token_rotation_expiration_minutes
        )
        if refreshed is None:
            return bot
        self.installation_store.save_bot(refreshed)
        return refreshed
