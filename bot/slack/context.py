"""What every listener needs from a request: the Core and the Caller behind it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands.core import Caller, Core, Profile

logger = logging.getLogger(__name__)

PROFILE_TTL = 15 * 60.0  # seconds a users.info answer is reused
FAILED_PROFILE_TTL = 60.0  # seconds a failed lookup is not retried (rate limits, outages)
CORE_KEY = "ofin_core"
STATE_KEY = "ofin_slack_state"
TEAMS_KEY = "ofin_team_cores"  # OAuth installs: each workspace's Core (bot/slack/workspaces.py)
VERIFIED_KEY = "ofin_verified"  # set once Bolt's request checks have passed


def core_of(context: BoltContext) -> Core:
    """The Core that the app's middleware put into Bolt's request context."""
    return context[CORE_KEY]


def state_of(context: BoltContext) -> SlackState:
    """The Slack front end's own state, which the app's middleware put into the context."""
    return context[STATE_KEY]


def slack_profile(client: WebClient, user_id: str, admins: frozenset[str]) -> Profile:
    """Look the user up with users.info: admin (OFIN_ADMINS, workspace admin or owner) and tz."""
    return _lookup(client, user_id, admins)[0]


def _lookup(client: WebClient, user_id: str, admins: frozenset[str]) -> tuple[Profile, bool]:
    """(the profile, whether Slack answered); a failed lookup is a plain member in no zone."""
    listed = user_id in admins
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError as exc:
        logger.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
        return Profile(listed, None), False
    except OSError as exc:  # a timeout or a broken connection
        logger.warning("users.info failed for %s: %s", user_id, exc)
        return Profile(listed, None), False
    is_admin = listed or any(user.get(k) for k in ("is_admin", "is_owner", "is_primary_owner"))
    return Profile(bool(is_admin), user.get("tz")), True


class ProfileCache:
    """users.info answers kept for PROFILE_TTL seconds (failures for FAILED_PROFILE_TTL)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[float, Profile]] = {}
        self._lock = threading.Lock()

    def get(self, client: WebClient, user_id: str, admins: frozenset[str]) -> Profile:
        """The person's profile, from the cache when fresh, else looked up (and kept)."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(user_id)
        if entry is not None and entry[0] > now:
            return entry[1]
        profile, answered = _lookup(client, user_id, admins)
        ttl = PROFILE_TTL if answered else FAILED_PROFILE_TTL
        with self._lock:
            if len(self._entries) > 50_000:  # a bound, not a policy: start afresh
                self._entries.clear()
            self._entries[user_id] = (self._clock() + ttl, profile)
        return profile


@dataclass
class SlackState:
    """What the Slack front end keeps per app beside the Core: its caches."""

    profiles: ProfileCache = field(default_factory=lambda: ProfileCache())
    touched: dict[str, float] = field(default_factory=dict)  # user id -> when last remembered


def is_direct_message(channel_id: str | None) -> bool:
    """True for a DM with ofin: Slack's DM conversation ids start with "D"."""
    return bool(channel_id) and str(channel_id).startswith("D")


def slack_caller(
    context: BoltContext,
    client: WebClient,
    user_id: str,
    channel_id: str | None = None,
    team_id: str | None = None,
) -> Caller:
    """A Caller whose admin rights and time zone are looked up on first use, at most once."""
    core = core_of(context)
    listed = user_id in core.settings.admins
    profiles = state_of(context).profiles
    return Caller(
        user_id,
        channel_id=channel_id,
        team_id=team_id,
        surface="slack",
        direct=is_direct_message(channel_id),
        is_admin=True if listed else None,
        profile=lambda: profiles.get(client, user_id, core.settings.admins),
    )
