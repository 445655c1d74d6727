"""Every listener module in this package, registered on the App.

Each module has ``register(app)``. Modules are discovered, so a new surface (e.g. the quiz's
``quiz.py``) only needs a file here; the built-in ones register first.
"""

from __future__ import annotations

import importlib
import pkgutil

from slack_bolt import App

BUILT_IN = ("commands", "actions", "events", "home")


def module_names() -> list[str]:
    """The listener modules, built-in first, then the others in name order."""
    found = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return [n for n in BUILT_IN if n in found] + [n for n in found if n not in BUILT_IN]


def register(app: App) -> None:
    """Register every listener module's listeners on ``app``."""
    for name in module_names():
        importlib.import_module(f"{__name__}.{name}").register(app)
