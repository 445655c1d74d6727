"""What every listener needs from a request: the Core and the Caller behind it."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands import Caller, Core, Profile

logger = logging.getLogger(__name__)

CORE_KEY = "ofin_core"
VERIFIED_KEY = "ofin_verified"  # set once Bolt's request checks have passed


def core_of(context: Any) -> Core:
    """The Core that the app's middleware put into Bolt's request context."""
    return context[CORE_KEY]


def slack_profile(client: WebClient, user_id: str, admins: frozenset[str]) -> Profile:
    """Look the user up with users.info: admin (OFIN_ADMINS, workspace admin or owner) and tz."""
    listed = user_id in admins
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError as exc:
        logger.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
        return Profile(listed, None)
    is_admin = listed or any(user.get(k) for k in ("is_admin", "is_owner", "is_primary_owner"))
    return Profile(bool(is_admin), user.get("tz"))


def slack_caller(
    core: Core,
    client: WebClient,
    user_id: str,
    channel_id: str | None = None,
    team_id: str | None = None,
) -> Caller:
    """A Caller whose admin rights and time zone are looked up on first use, at most once."""
    listed = user_id in core.settings.admins
    return Caller(
        user_id,
        channel_id=channel_id,
        team_id=team_id,
        surface="slack",
        is_admin=True if listed else None,
        profile=lambda: slack_profile(client, user_id, core.settings.admins),
    )
