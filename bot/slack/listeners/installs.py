"""app_uninstalled and tokens_revoked: the workspace's installation goes, its data is kept a while.

The installation (its bot token) is deleted at once and the workspace's schedulers stop; its
rows stay for OFIN_RETENTION_DAYS, then the retention pass deletes them (docs/operations.md).
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext

from bot.slack.context import TEAMS_KEY, core_of

logger = logging.getLogger(__name__)


def forget_installation(body: dict, context: BoltContext, why: str) -> None:
    """Delete the installation the request is about and stop its workspace's schedulers."""
    team = body.get("team_id") or context.team_id or ""
    enterprise = body.get("enterprise_id") or context.enterprise_id
    org_wide = bool(body.get("is_enterprise_install")) or not team
    store = core_of(context).store
    deleted = store.installations.delete(enterprise, team, org_wide=org_wide)
    teams = context.get(TEAMS_KEY)
    if teams is not None:
        teams.stop("" if org_wide else team, enterprise)
    logger.info(
        "%s: %d installation deleted for %s; its data is kept until the retention pass",
        why,
        deleted,
        team or enterprise,
    )


def on_app_uninstalled(ack: Ack, body: dict, context: BoltContext) -> None:
    """The workspace (or org) uninstalled ofin."""
    ack()
    forget_installation(body, context, "app uninstalled")


def on_tokens_revoked(ack: Ack, event: dict, body: dict, context: BoltContext) -> None:
    """The bot's tokens were revoked (a user's alone changes nothing: ofin keeps none)."""
    ack()
    if (event.get("tokens") or {}).get("bot"):
        forget_installation(body, context, "bot tokens revoked")


def register(app: App) -> None:
    """Register the installation lifecycle events."""
    app.event("app_uninstalled")(on_app_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)
