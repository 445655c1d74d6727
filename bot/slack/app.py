"""Wiring only: build the Bolt App around one Web API client, add middleware and listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.error import URLError

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.commands import Core, build_core
from bot.config import ConfigError, Settings
from bot.knowledge import KnowledgeBase
from bot.slack import blocks, listeners
from bot.slack.context import CORE_KEY, VERIFIED_KEY

logger = logging.getLogger(__name__)

StartupHook = Callable[[App, Core], None]
STARTUP_HOOKS: list[StartupHook] = []


def on_startup(hook: StartupHook) -> StartupHook:
    """Register ``hook(app, core)`` to run once when a server starts (e.g. a quiz scheduler)."""
    STARTUP_HOOKS.append(hook)
    return hook


def run_startup_hooks(app: App, core: Core) -> None:
    """Run every registered startup hook."""
    for hook in STARTUP_HOOKS:
        hook(app, core)


def build(settings: Settings, kb: KnowledgeBase, *, socket_mode: bool = False) -> tuple[App, Core]:
    """Check the settings, open the store, create the app; raise ConfigError when it cannot."""
    if socket_mode:
        settings.require_socket_mode()
    else:
        settings.require_http()
    core = build_core(settings, kb)
    return create_app(settings, core, socket_mode=socket_mode), core


def make_client(settings: Settings) -> WebClient:
    """One Web API client at SLACK_API_URL; rate-limited calls (HTTP 429) wait Retry-After."""
    return WebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


def create_app(settings: Settings, core: Core, *, socket_mode: bool = False) -> App:
    """The Bolt App with every listener registered; raise ConfigError when it cannot start."""
    if socket_mode:
        settings.require_socket_mode()
    else:
        settings.require_http()
    try:
        # Bolt checks the token with auth.test here, so a wrong one fails at start-up.
        app = App(
            client=make_client(settings),
            signing_secret=settings.signing_secret or "",
            process_before_response=False,  # ack at once; listeners finish in Bolt's thread pool
        )
    except BoltError as exc:
        raise ConfigError(f"ofin: Slack refused SLACK_BOT_TOKEN ({exc})") from None
    except (URLError, OSError) as exc:
        raise ConfigError(
            f"ofin: cannot reach Slack's Web API at {settings.api_url} (check SLACK_API_URL "
            f"and the network): {getattr(exc, 'reason', exc)}"
        ) from None

    @app.middleware
    def provide_core(context: Any, next: Callable[[], None]) -> None:
        # Custom middleware runs only after Bolt's own checks passed (the signature over HTTP;
        # Socket Mode's connection is authenticated), so reaching here marks the request trusted.
        context[VERIFIED_KEY] = True
        context[CORE_KEY] = core
        next()

    @app.middleware
    def drop_redeliveries(body: dict, next: Callable[[], None]) -> BoltResponse | None:
        # Slack redelivers an event it thinks we missed (X-Slack-Retry-Num); answer it once.
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not core.store.claim(f"slack-event:{event_id}"):
            logger.info("ignoring a redelivery of event %s", event_id)
            return BoltResponse(status=200, body="")
        next()
        return None

    @app.error
    def on_error(
        error: Exception, body: dict, context: Any, respond: Any, client: WebClient
    ) -> None:
        if not (context and context.get(VERIFIED_KEY)):
            # Failed before verification passed: the body may be forged, so act on nothing in it.
            logger.warning("refused an unverified request (%s)", type(error).__name__)
            return
        logger.error("listener failed", exc_info=error)
        message = blocks.error_message()
        try:
            if respond is not None and body.get("response_url"):
                respond(response_type="ephemeral", replace_original=False, **message)
                return
            event = body.get("event") or {}
            if event.get("channel") and event.get("type") in ("app_mention", "message"):
                # Where the answer would have gone: a mention's thread, or the DM itself.
                thread_ts = event.get("thread_ts") or (
                    event.get("ts") if event["type"] == "app_mention" else None
                )
                kwargs = {"thread_ts": thread_ts} if thread_ts else {}
                client.chat_postMessage(channel=event["channel"], **kwargs, **message)
        except Exception:
            logger.exception("could not tell the user about the error")

    listeners.register(app)
    return app
