"""App Home: how to use ofin, then the sections other features provide (weak spots, stats).

A section is ``provider(core, user_id) -> blocks``; ``SECTIONS`` lists them in order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.commands.core import Core
from bot.slack.blocks.answers import home_view
from bot.slack.context import core_of
from bot.slack.listeners.digest import home_weak_spots
from bot.slack.listeners.quiz import home_quiz
from bot.slack.work import later

logger = logging.getLogger(__name__)

HomeSection = Callable[[Core, str], list[dict]]
SECTIONS: tuple[HomeSection, ...] = (home_weak_spots, home_quiz)


def extra_sections(
    core: Core, user_id: str, providers: tuple[HomeSection, ...] = SECTIONS
) -> list[list[dict]]:
    """Every section for this user; one that fails is logged and left out."""
    sections = []
    for provider in providers:
        try:
            sections.append(provider(core, user_id))
        except Exception:
            logger.exception("home section %s failed", getattr(provider, "__name__", provider))
    return sections


def on_home_opened(
    ack: Ack, event: dict, body: dict, context: BoltContext, client: WebClient
) -> None:
    """Publish the Home tab when someone opens it."""
    if event.get("tab", "home") != "home":
        ack()
        return
    user_id = event["user"]

    def publish() -> None:
        view = home_view(extra_sections(core_of(context), user_id))
        client.views_publish(user_id=user_id, view=view)

    later(ack, context, body, publish)


def register(app: App) -> None:
    """Register the App Home listener."""
    app.event("app_home_opened")(on_home_opened)
