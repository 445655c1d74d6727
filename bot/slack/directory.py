"""Fill the store's names cache from Slack, gently: users.list for many, users.info for a few.

Slack's users.list is Tier 2 (about 20 calls a minute) and users.info Tier 4; a report for a big
channel asks for hundreds of people, so many stale names are refreshed a page of 200 at a time.
A 429 is answered by waiting Retry-After (the client's RateLimitErrorRetryHandler, and once more
here, bounded) and what was fetched so far is kept; names stay cached for a day.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.store import DirectoryEntry, Store
from bot.training.names import EMAIL_SCOPE

logger = logging.getLogger(__name__)

MAX_AGE = timedelta(days=1)  # names change rarely; a day-old name is good evidence
FEW = 20  # up to this many stale people: users.info each; more: users.list pages
PAGE = 200  # Slack's recommended users.list page size
MAX_PAGES = 100  # 20,000 people: a bound, not a policy
MAX_WAIT = 60.0  # seconds of Retry-After honoured here before giving up for now


def _emails_granted(headers: dict | None) -> bool | None:
    """Whether the token has users:read.email, from x-oauth-scopes; None when Slack did not say."""
    lowered = {str(k).lower(): v for k, v in (headers or {}).items()}
    raw = lowered.get("x-oauth-scopes")
    if raw is None:
        return None
    value = raw[0] if isinstance(raw, list) else raw
    return EMAIL_SCOPE in {s.strip() for s in str(value).split(",")}


def entry_of(user: dict, store: Store, emails: bool | None) -> DirectoryEntry:
    """A directory entry from a Slack user object."""
    profile = user.get("profile") or {}
    email = profile.get("email") or None
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or user["id"]
    )
    return DirectoryEntry(
        user_id=user["id"],
        name=str(name),
        real_name=profile.get("real_name") or user.get("real_name"),
        email=email,
        emails_visible=bool(emails) if emails is not None else email is not None,
        fetched_at=store.clock.now(),
    )


def _call(fn: Callable[[], SlackResponse], sleep: Callable[[float], None]) -> SlackResponse:
    """One Web API call; a 429 the client's retries did not absorb waits Retry-After once more."""
    try:
        return fn()
    except SlackApiError as exc:
        if exc.response.status_code != 429:
            raise
        wait = float(exc.response.headers.get("Retry-After") or 1)
        if wait > MAX_WAIT:
            raise
        logger.info("Slack asked ofin to wait %.0f s before reading names again", wait)
        sleep(wait)
        return fn()


def refresh_names(
    client: WebClient,
    store: Store,
    user_ids: Iterable[str],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Fetch the names missing or older than MAX_AGE into ``store``'s workspace; return how many
    entries were saved. ``client`` must carry that workspace's token.

    Failures are logged and leave the cache as it was: a report then shows ids where names are
    missing, never an error.
    """
    wanted = store.directory.stale(user_ids, MAX_AGE)
    if not wanted:
        return 0
    try:
        if len(wanted) <= FEW:
            entries = _by_info(client, store, wanted, sleep)
        else:
            entries = _by_list(client, store, set(wanted), sleep)
    except SlackApiError as exc:
        logger.warning("could not read people's names: %s", exc.response.get("error"))
        return 0
    except OSError as exc:
        logger.warning("could not read people's names: %s", exc)
        return 0
    return store.directory.save(entries)


def _by_info(
    client: WebClient, store: Store, wanted: list[str], sleep: Callable[[float], None]
) -> list[DirectoryEntry]:
    entries = []
    for user_id in wanted:
        response = _call(lambda u=user_id: client.users_info(user=u), sleep)  # type: ignore[misc]
        user = response.get("user") or {}
        if user.get("id"):
            emails = _emails_granted(response.headers)
            entries.append(entry_of(user, store, emails))
    return entries


def _by_list(
    client: WebClient, store: Store, wanted: set[str], sleep: Callable[[float], None]
) -> list[DirectoryEntry]:
    entries: list[DirectoryEntry] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        response = _call(
            lambda c=cursor: client.users_list(limit=PAGE, cursor=c),  # type: ignore[misc]
            sleep,
        )
        emails = _emails_granted(response.headers)
        for user in response.get("members") or []:
            if user.get("id") in wanted:
                entries.append(entry_of(user, store, emails))
        meta = response.get("response_metadata") or {}
        cursor = meta.get("next_cursor") or None
        if not cursor:
            break
    return entries
