"""Start ofin the right way for its configuration: Socket Mode, or the local console."""

from __future__ import annotations

import contextlib
import logging
import sys

from bot.config import ConfigError, Settings, from_env
from bot.kb.loader import DEFAULT_DIR, KnowledgeBase, KnowledgeError, format_problems, load

logger = logging.getLogger("ofin")


class RedactUnverifiedBodies(logging.Filter):
    """Keep the body of a request that failed Slack's signature check out of the logs.

    Bolt logs such a body whole at INFO; it may hold what a person typed, and it proves nothing.
    """

    MARKER = "Invalid request signature detected"

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith(self.MARKER) and ", body:" in message:
            record.msg = message.split(", body:", 1)[0] + ", body: <redacted>)"
            record.args = ()
        return True


def configure_logging(level: str) -> None:
    """Log to stderr at ``level``, once per process, with unverified request bodies redacted."""
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactUnverifiedBodies) for f in handler.filters):
            handler.addFilter(RedactUnverifiedBodies())


def load_knowledge() -> KnowledgeBase | None:
    """Load and validate the knowledge base; print every problem and return None when broken."""
    try:
        return load(DEFAULT_DIR)
    except KnowledgeError as exc:
        print("ofin: the knowledge base has problems; refusing to start:", file=sys.stderr)
        print(format_problems(exc.problems), file=sys.stderr)
    except FileNotFoundError as exc:
        print(f"ofin: cannot load the knowledge base: {exc}", file=sys.stderr)
    return None


def prepare() -> tuple[Settings, KnowledgeBase] | int:
    """Read the settings and the knowledge base; on a problem, print it and return an exit code."""
    try:
        settings = from_env()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    kb = load_knowledge()
    if kb is None:
        return 1
    return settings, kb


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


def run_default() -> int:
    """``python -m bot``: Socket Mode when SLACK_APP_TOKEN is set, else the local console."""
    prepared = prepare()
    if isinstance(prepared, int):
        return prepared
    settings, kb = prepared
    problem = missing_for_socket_mode(settings)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if not settings.has_slack_tokens:
        from bot.terminal.console import run_console

        return run_console(prepared=(settings, kb))
    return run_socket_mode(settings, kb)


def run_socket_mode(settings: Settings, kb: KnowledgeBase) -> int:
    """Connect to Slack over Socket Mode and serve until interrupted."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack.app import build, run_startup_hooks

    try:
        app, core = build(settings, kb, socket_mode=True)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    run_startup_hooks(app, core)
    logger.info("ofin: connecting to Slack in Socket Mode")
    with contextlib.suppress(KeyboardInterrupt):
        SocketModeHandler(app, settings.app_token).start()
    return 0
