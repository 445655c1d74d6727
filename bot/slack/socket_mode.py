"""Socket Mode: which token is missing, and serving over Slack's WebSocket until interrupted."""

from __future__ import annotations

import contextlib
import logging
import sys

from bot.config import ConfigError, Settings
from bot.kb.model import KnowledgeBase

logger = logging.getLogger("ofin")


def missing_for_socket_mode(settings: Settings) -> str | None:
    """Explain which token is missing when only some are set; None when the mode is clear."""
    if settings.app_token and not settings.bot_token:
        return "ofin: SLACK_BOT_TOKEN is required for Socket Mode (SLACK_APP_TOKEN is set)"
    if not settings.app_token and settings.has_slack_tokens:
        present = [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", settings.bot_token),
                ("SLACK_SIGNING_SECRET", settings.signing_secret),
            )
            if value
        ]
        return (
            f"ofin: SLACK_APP_TOKEN is required for Socket Mode ({' and '.join(present)} "
            "set); for HTTP mode run `python -m bot serve` instead, or unset the Slack "
            "variables to use the local console"
        )
    return None


def run_socket_mode(settings: Settings, kb: KnowledgeBase) -> int:
    """Connect to Slack over Socket Mode and serve until interrupted."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack.app import build, start_background

    try:
        app, core = build(settings, kb, socket_mode=True)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    schedulers = start_background(app, core)
    if settings.metrics_port is not None:
        from bot.slack.probe_server import start_probe_server
        from bot.slack.serve import readiness_checks

        try:
            checks = readiness_checks(core)
            server = start_probe_server(settings.metrics_port, schedulers, checks)
        except OSError as exc:
            print(
                f"ofin: cannot listen on port {settings.metrics_port} (OFIN_METRICS_PORT): "
                f"{exc.strerror or exc}",
                file=sys.stderr,
            )
            return 1
        host, port = server.effective_host, server.effective_port
        print(f"ofin: metrics on http://{host}:{port}/metrics", flush=True)
    logger.info("ofin: connecting to Slack in Socket Mode")
    with contextlib.suppress(KeyboardInterrupt):
        SocketModeHandler(app, settings.app_token).start()
    return 0
