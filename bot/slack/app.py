"""Wiring only: build the Bolt App around one Web API client, add middleware and listeners."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import TypedDict
from urllib.error import URLError

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_bolt.middleware.authorization import SingleTeamAuthorization
from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.commands.core import Core
from bot.config import ConfigError, Settings
from bot.kb.model import KnowledgeBase
from bot.ops.probes import Scheduler
from bot.slack import listeners, middleware
from bot.slack.authorize import StoredAuthorize
from bot.slack.campaign_runner import wire_campaigns
from bot.slack.context import SlackState
from bot.slack.listeners import digest, quiz
from bot.slack.oauth import oauth_settings
from bot.slack.observe import CountingCalls, ObservedApp
from bot.slack.report import wire_report
from bot.slack.ticker import Ticker
from bot.slack.uploads import ChartSender
from bot.slack.work import Work
from bot.slack.workspaces import Retention, TeamCores
from bot.wiring import build_core

logger = logging.getLogger(__name__)


def wire_schedulers(app: App, core: Core) -> tuple[Ticker, ...]:
    """Give ``core`` its Slack side and return its three schedulers, not started.

    Campaign reminders, the weekly digests (and ``digest now``'s publisher), the daily quiz
    (and ``daily now``'s), and the report's two Slack helpers (a channel's members; the chart
    sent by DM), which share one chart-upload pool.
    """
    sender = ChartSender(app.client)
    campaigns = wire_campaigns(app, core)
    digests = digest.wire_digests(app, core, sender)
    daily = quiz.wire_scheduler(app, core)
    wire_report(app, core, sender)
    return campaigns, digests, daily


def start_background(app: App, core: Core) -> Sequence[Scheduler]:
    """Start what a server runs beside its listeners, once per process (serve, wsgi, Socket Mode).

    One workspace: its three scheduler threads (``wire_schedulers``). With OAuth installs: one
    scheduler loop over every installed workspace (bot/slack/scheduler_loop.py), with the pass
    that deletes the data of workspaces whose retention ended. Returns what the probes read.
    """
    teams = app.team_cores if isinstance(app, ObservedApp) else None
    if teams is not None:
        store = teams.core.store
        retention = Retention(
            store.installations, timedelta(days=teams.core.settings.retention_days)
        )
        return teams.start(retention)
    runners = wire_schedulers(app, core)
    for runner in runners:
        runner.start()
    return runners


def build(
    settings: Settings, kb: KnowledgeBase, *, socket_mode: bool = False
) -> tuple[ObservedApp, Core]:
    """Check the settings, open the store, create the app; raise ConfigError when it cannot."""
    if socket_mode:
        settings.require_socket_mode()
    else:
        settings.require_http()
    core = build_core(settings, kb)
    return create_app(settings, core, socket_mode=socket_mode), core


API_TIMEOUT = 10  # seconds per Web API call: a hung call frees its worker


def make_client(settings: Settings) -> WebClient:
    """One Web API client at SLACK_API_URL; rate-limited calls (HTTP 429) wait Retry-After.

    Every attempt is counted in ofin_slack_api_calls (bot/slack/observe.py).
    """
    return WebClient(token=settings.bot_token, base_url=settings.api_url, **client_options())


class ClientOptions(TypedDict):
    """What every Web API client of ofin shares."""

    timeout: int
    retry_handlers: list[RetryHandler]


def client_options() -> ClientOptions:
    """Every Web API client's timeout and retries (each attempt counted)."""
    return {
        "timeout": API_TIMEOUT,
        "retry_handlers": [
            CountingCalls(),  # first: sees every attempt, retried or not
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=3),
        ],
    }


def create_app(settings: Settings, core: Core, *, socket_mode: bool = False) -> ObservedApp:
    """The Bolt App with every listener registered; raise ConfigError when it cannot start."""
    if socket_mode:
        settings.require_socket_mode()
    else:
        settings.require_http()
    oauth = settings.oauth and not socket_mode
    client = make_client(settings)
    installs: dict[str, object] = {}
    if oauth:
        bolt_oauth = oauth_settings(settings, core.store.installations)
        # One store for Bolt's OAuth flow and its authorization. Bolt's default authorization
        # calls auth.test on every request; this one reads what auth.test would say from the
        # stored installation (bot/slack/authorize.py: a click's ack is measured in
        # milliseconds, and every worker would otherwise ask once per token before acking),
        # and refreshes rotating tokens at SLACK_API_URL.
        installs = {
            "installation_store": bolt_oauth.installation_store,
            "oauth_settings": bolt_oauth,
            "authorize": StoredAuthorize(
                installation_store=bolt_oauth.installation_store,
                client_id=settings.client_id,
                client_secret=settings.client_secret,
                client=client,
                bot_only=True,
                cache_enabled=True,
                logger=logger,
            ),
        }
    try:
        # Bolt checks the token with auth.test here, so a wrong one fails at start-up.
        app = ObservedApp(
            client=client,
            signing_secret=settings.signing_secret or "",
            # Listeners run in the request thread, ack at once and hand the work to our own
            # bounded pools (bot/slack/work.py): Bolt's pool of 5 let slow calls stall acks.
            process_before_response=True,
            # A request no listener handles goes to the error handler (one log line, a 200)
            # instead of Bolt's 404 and its several lines of suggested code.
            raise_error_for_unhandled_request=True,
            **installs,  # type: ignore[arg-type]
        )
    except BoltError as exc:
        raise ConfigError(f"ofin: Slack refused SLACK_BOT_TOKEN ({exc})") from None
    except (URLError, OSError) as exc:
        raise ConfigError(
            f"ofin: cannot reach Slack's Web API at {settings.api_url} (check SLACK_API_URL "
            f"and the network): {getattr(exc, 'reason', exc)}"
        ) from None

    if oauth:
        app.team_cores = TeamCores(core, core.store.installations)
    else:
        adopt_home_workspace(app, core)
    middleware.register(app, core, Work.create(), SlackState(), app.team_cores)
    listeners.register(app)
    return app


def adopt_home_workspace(app: App, core: Core) -> None:
    """Serve the bot token's workspace: the rows made before it was known become its own.

    Bolt checked the token with auth.test when the app was made; its answer names the team.
    """
    for step in app._middleware_list:
        if isinstance(step, SingleTeamAuthorization) and step.auth_test_result:
            team = step.auth_test_result.get("team_id")
            if team and team != core.store.team:
                core.store.adopt_workspace(str(team))
