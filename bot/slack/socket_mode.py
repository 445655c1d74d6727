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
    start_background(app, core)
    logger.info("ofin: connecting to Slack in Socket Mode")
    with contextlib.suppress(KeyboardInterrupt):
        SocketModeHandler(app, settings.app_token).start()
    return 0
