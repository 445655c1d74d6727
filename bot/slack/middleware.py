"""Bolt middleware and error handler: what every request passes through after Bolt's checks.

Custom middleware runs only after Bolt's own checks passed (the signature over HTTP; Socket
Mode's connection is authenticated), so reaching it marks the request trusted. The error handler
acts on a request only when it was marked: a forged body gets nothing done for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App, BoltContext, BoltResponse, Respond
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk import WebClient

from bot.commands.core import Core
from bot.slack.context import CORE_KEY, STATE_KEY, TEAMS_KEY, VERIFIED_KEY, SlackState
from bot.slack.observe import RECORD_KEY, open_record, record_of
from bot.slack.work import CLAIM_KEY, WORK_KEY, Work, tell_user_about_error
from bot.slack.workspaces import TeamCores
from bot.store import StoreUnavailable

logger = logging.getLogger(__name__)


#: Events about the installation itself: answered with the plain store view, never a
#: workspace's schedulers (they come after its token is gone).
INSTALL_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})


def register(
    app: App, core: Core, work: Work, state: SlackState, teams: TeamCores | None = None
) -> None:
    """Add ofin's middleware (context, redelivery claims) and its error handler to ``app``.

    With ``teams`` (OAuth installs), each request gets the Core of its own workspace: its store
    view, its Slack helpers, its schedulers. Without, every request gets ``core`` (one workspace).
    """

    def core_of_request(body: dict, context: BoltContext) -> Core:
        if teams is None:
            return core
        team = context.team_id or context.enterprise_id or ""
        if (body.get("event") or {}).get("type") in INSTALL_EVENTS:
            return core.for_team(team)
        return teams.core_for(team, context.enterprise_id)

    @app.middleware
    def provide_core(body: dict, context: BoltContext, next: Callable[[], None]) -> None:
        context[VERIFIED_KEY] = True
        context[CORE_KEY] = core_of_request(body, context)
        context[TEAMS_KEY] = teams
        context[STATE_KEY] = state
        context[WORK_KEY] = work
        context[RECORD_KEY] = open_record(body)
        next()

    @app.middleware
    def drop_redeliveries(body: dict, context: BoltContext, next: Callable[[], None]) -> None:
        # Slack redelivers an event it thinks we missed (X-Slack-Retry-Num); answer it once.
        # The claim is a database write, so the job claims it after the ack (bot/slack/work.py).
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            context[CLAIM_KEY] = f"slack-event:{event_id}"
        next()

    @app.error
    def on_error(
        error: Exception, body: dict, context: BoltContext, respond: Respond, client: WebClient
    ) -> BoltResponse | None:
        if isinstance(error, BoltUnhandledRequestError):
            # Well formed, but nothing listens for it (an unknown button, an event not
            # subscribed to): acknowledged, so Slack neither retries nor shows an error.
            logger.warning("no listener for a %s request; acknowledged, nothing done", _kind(body))
            _mark_quiet(context, "unhandled")  # the warning is its line
            return BoltResponse(status=200, body="")
        if not (context and context.get(VERIFIED_KEY)):
            # Failed before verification passed: the body may be forged, so act on nothing in it.
            logger.warning("refused an unverified request (%s)", type(error).__name__)
            return None
        if not isinstance(error, StoreUnavailable):  # that one the store logged, once
            logger.error("listener failed", exc_info=error)
        record = record_of(context)
        if record is not None:
            record.outcome = "error"
        # The request thread must answer at once, so the apology is sent from a worker; Slack
        # gets a 200, so it neither shows its own error nor sends the request again.
        if work.slack.submit(tell_user_about_error, body, respond, client) is None:
            logger.warning("no worker free to tell the user about the error")
        return BoltResponse(status=200, body="")


def _mark_quiet(context: BoltContext | None, outcome: str) -> None:
    record = record_of(context) if context else None
    if record is not None:
        record.quiet = True
        record.outcome = outcome


def _kind(body: dict) -> str:
    """What a request is, for the log: its type, and the event's or the command's name."""
    kind = str(body.get("type") or ("slash command" if body.get("command") else "unknown"))
    event = body.get("event")
    if isinstance(event, dict):
        kind += f" ({str(event.get('type'))[:40]})"
    return kind[:80]
