"""App Home: how to use ofin, plus sections that other features plug in (stats, leaderboard).

Add a section::

    from bot.slack.listeners.home import home_section

    @home_section
    def my_stats(core: Core, user_id: str) -> list[dict]:
        return [...Block Kit blocks...]
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.commands.dispatch import Core
from bot.slack.blocks.answers import home_view
from bot.slack.context import core_of
from bot.slack.work import later

logger = logging.getLogger(__name__)

HomeSection = Callable[[Core, str], list[dict]]
HOME_SECTIONS: list[HomeSection] = []


def home_section(provider: HomeSection) -> HomeSection:
    """Register ``provider(core, user_id) -> blocks`` as one more section of the Home tab."""
    if provider not in HOME_SECTIONS:
        HOME_SECTIONS.append(provider)
    return provider


def extra_sections(core: Core, user_id: str) -> list[list[dict]]:
    """Every registered section for this user; one that fails is logged and left out."""
    sections = []
    for provider in HOME_SECTIONS:
        try:
            sections.append(provider(core, user_id))
        except Exception:
            logger.exception("home section %s failed", getattr(provider, "__name__", provider))
    return sections


def on_home_opened(ack: Any, event: dict, body: dict, context: Any, client: WebClient) -> None:
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
