"""Every listener module, registered on the App by name, in this order.

Each module has ``register(app)``; a new surface is a new module here and one more line below.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import (
    actions,
    commands,
    digest,
    events,
    home,
    installs,
    matrix,
    quiz,
    report,
    shortcuts,
)


def register(app: App) -> None:
    """Register every listener module's listeners on ``app``."""
    commands.register(app)
    actions.register(app)
    events.register(app)
    home.register(app)
    digest.register(app)
    matrix.register(app)
    quiz.register(app)
    installs.register(app)
    report.register(app)
    shortcuts.register(app)
