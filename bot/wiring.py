"""The composition root: read the settings, load the knowledge base, open the store, build Core.

Every way of starting ofin (the console, Socket Mode, `serve`, a WSGI server) goes through
``prepare()`` and ``build_core()``; nothing below this module builds its own.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from bot.answer.fitted import FittedFilesError
from bot.answer.matcher import Matcher
from bot.clock import Clock
from bot.clock import from_env as clock_from_env
from bot.commands.core import Core
from bot.config import ConfigError, Settings, from_env
from bot.kb.loader import DEFAULT_DIR, load_or_report
from bot.kb.model import KnowledgeBase
from bot.ops.logs import make_handler
from bot.quiz.versions import record_versions
from bot.store import Store, StoreError

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


def configure_logging(level: str, fmt: str = "text", secrets: Iterable[str | None] = ()) -> None:
    """Log to stderr at ``level`` in ``fmt`` (text or json), once per process.

    Like ``logging.basicConfig``, it adds nothing when the root logger already has a handler (a
    host's, or a test runner's). Unverified request bodies are redacted; Slack tokens and
    ``secrets`` are masked.
    """
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(make_handler(fmt, secrets))
        root.setLevel(getattr(logging, level, logging.INFO))
    for handler in root.handlers:
        if not any(isinstance(f, RedactUnverifiedBodies) for f in handler.filters):
            handler.addFilter(RedactUnverifiedBodies())


def prepare() -> tuple[Settings, KnowledgeBase] | int:
    """Read the settings and the knowledge base; on a problem, print it and return an exit code."""
    try:
        settings = from_env()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(
        settings.log_level,
        settings.log_format,
        (settings.bot_token, settings.app_token, settings.signing_secret),
    )
    kb = load_or_report(DEFAULT_DIR, why="; refusing to start")
    if kb is None:
        return 1
    return settings, kb


def build_core(settings: Settings, kb: KnowledgeBase, clock: Clock | None = None) -> Core:
    """Open the store and index the knowledge base once; ConfigError when the database is unusable
    or the engine's fitted files do not fit the code.

    ``clock`` is the one time source of the store and the quizzes; by default the real clock, or
    the fake one an end-to-end test asks for through the environment (bot.clock.from_env).
    """
    try:
        store = Store(settings.database, clock=clock or clock_from_env())
    except StoreError as exc:
        raise ConfigError(f"ofin: {exc} (check {settings.database_setting})") from None
    try:
        matcher = Matcher(kb)
    except FittedFilesError as exc:
        store.close()
        raise ConfigError(str(exc)) from None
    record_versions(store, kb.quiz_questions)  # which wording each answer saw, for evidence
    return Core(kb=kb, matcher=matcher, store=store, settings=settings)
