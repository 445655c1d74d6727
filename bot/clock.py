"""A controllable clock: real UTC time by default, a fake one for tests.

Everything that needs "now" (the store's timestamps, the quiz scheduler, deadlines, speed bonuses)
takes a ``Clock`` so that tests can move time. Subprocess end-to-end tests control the clock of a
running bot through the environment, which only the composition root reads (``from_env``, called
where the store is opened: bot/wiring.py and the admin tools' bot/terminal/database.py):

- ``OFIN_FAKE_NOW=2026-11-30T08:59:00+00:00`` freezes time at that instant;
- ``OFIN_FAKE_NOW_FILE=/path/to/file`` reads the instant from that file on every call, so a test
  can move time forward by rewriting the file while the bot runs.

Neither is meant for production; both are ignored when unset.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

ENV_FAKE_NOW = "OFIN_FAKE_NOW"
ENV_FAKE_NOW_FILE = "OFIN_FAKE_NOW_FILE"


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current instant (timezone-aware, UTC)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the real current instant in UTC."""
        return datetime.now(UTC)


@dataclass
class FakeClock:
    """A clock that stands still until a test moves it."""

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 9, 0, tzinfo=UTC))

    def __post_init__(self) -> None:
        self.current = as_utc(self.current)

    def now(self) -> datetime:
        """Return the fake current instant."""
        return self.current

    def set(self, when: datetime) -> None:
        """Jump to ``when``."""
        self.current = as_utc(when)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta`` (or timedelta(**kwargs)); return the new instant."""
        self.current = self.current + (delta if delta is not None else timedelta(**kwargs))
        return self.current


@dataclass(frozen=True)
class FileClock:
    """A clock whose instant is read from a file on every call (for subprocess tests)."""

    path: Path

    def now(self) -> datetime:
        """Return the instant written in the file."""
        return parse_instant(self.path.read_text(encoding="utf-8").strip())


def as_utc(when: datetime) -> datetime:
    """Return ``when`` in UTC; a naive datetime is taken to be UTC already."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 instant (``Z`` allowed; naive means UTC) into an aware UTC datetime."""
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return as_utc(datetime.fromisoformat(text))


def from_env(environ: dict[str, str] | None = None) -> Clock:
    """Return the clock the environment asks for: a fake one if set, else the real one."""
    env = os.environ if environ is None else environ
    if env.get(ENV_FAKE_NOW_FILE):
        return FileClock(Path(env[ENV_FAKE_NOW_FILE]))
    if env.get(ENV_FAKE_NOW):
        return FakeClock(parse_instant(env[ENV_FAKE_NOW]))
    return SystemClock()
