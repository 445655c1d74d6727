"""What a console renderer may use of the session that shows its result."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.commands.core import Caller, Core

Reply = Callable[[str], Any]


class Session(Protocol):
    """One console session, as its renderers see it (bot/terminal/console.py)."""

    @property
    def core(self) -> Core:
        """The Core the session dispatches to."""
        ...

    @property
    def caller(self) -> Caller:
        """Who is typing."""
        ...

    @property
    def options(self) -> frozenset[str]:
        """The console's options given on this line (e.g. "--notes" after matrix)."""
        ...

    def expect(self, reply: Reply) -> None:
        """Send the next line to ``reply`` first (a pick from a list, a quiz answer)."""
        ...
