"""Who asks (Caller) and what every handler works with (Core); a subcommand's record.

The command modules (builtin, quiz, matrix, report, digest, campaign) import these; dispatch.py
imports the command modules. Keeping the shared records here, below both, is what keeps the
subcommand table a plain literal without an import circle.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, get_args

from bot.answer.matcher import Matcher
from bot.config import Settings
from bot.kb.model import KnowledgeBase
from bot.matrix.matrix import ServiceNameReader
from bot.quiz.daily import DailyQuizzes, Publisher
from bot.store import Store
from bot.training.campaign import Campaigns
from bot.training.digest import DigestPublisher, Digests

Surface = Literal["slack", "console"]
SURFACES: tuple[Surface, ...] = get_args(Surface)


class Profile(NamedTuple):
    """What a front end knows about a person beyond their id."""

    is_admin: bool
    tz: str | None = None


class Caller:
    """Who is asking, from where; ``is_admin`` and ``tz`` resolve lazily through ``profile``."""

    def __init__(
        self,
        user_id: str,
        *,
        channel_id: str | None = None,
        team_id: str | None = None,
        surface: Surface = "slack",
        direct: bool = False,
        is_admin: bool | None = None,
        tz: str | None = None,
        profile: Callable[[], Profile] | None = None,
    ) -> None:
        if surface not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}")
        self.user_id = user_id
        self.channel_id = channel_id
        self.team_id = team_id
        self.surface = surface
        #: A one-to-one conversation with ofin (a Slack DM), not a team's channel.
        self.direct = direct
        self._is_admin = is_admin
        self._tz = tz
        self._profile_fn = profile
        self._profile: Profile | None = None
        #: Channels linked in the command text ("#name" or id, lower-cased -> channel id).
        self.channel_refs: dict[str, str] = {}

    def _lookup(self) -> Profile:
        if self._profile is None:
            self._profile = self._profile_fn() if self._profile_fn else Profile(False, None)
        return self._profile

    @property
    def in_team_channel(self) -> bool:
        """True in a team's channel (where daily quizzes, digests and campaigns live)."""
        return bool(self.channel_id) and not self.direct

    @property
    def is_admin(self) -> bool:
        """True when the caller may run admin subcommands."""
        if self._is_admin is None:
            self._is_admin = self._lookup().is_admin
        return self._is_admin

    @property
    def tz(self) -> str | None:
        """The caller's IANA time zone (e.g. "Europe/Paris"), when known."""
        if self._tz is None and self._profile_fn is not None:
            self._tz = self._lookup().tz
        return self._tz

    def __repr__(self) -> str:
        return f"Caller({self.user_id!r}, channel_id={self.channel_id!r}, surface={self.surface!r})"


MembersOf = Callable[[str], "list[str] | None"]
ChartBuild = Callable[[], "tuple[bytes | None, str, str]"]
DeliverChart = Callable[[Caller, ChartBuild], None]
RefreshNames = Callable[[list[str]], None]
ProfileOf = Callable[[str], Profile]


@dataclass
class Core:
    """The long-lived pieces every handler needs, built once per process (bot/wiring.py).

    The last six are what only a front end that can post provides (the Slack app sets them when
    a server starts, bot/slack/app.py); on the console they stay None.
    """

    kb: KnowledgeBase
    matcher: Matcher
    store: Store
    settings: Settings
    daily: DailyQuizzes = field(init=False)
    digests: Digests = field(init=False)
    campaigns: Campaigns = field(init=False)
    service_names: ServiceNameReader = field(init=False)
    publisher: Publisher | None = None  # posts and updates daily quizzes
    digest_publisher: DigestPublisher | None = None
    members_of: MembersOf | None = None  # a channel's members, so "answered nothing" is true
    deliver_chart: DeliverChart | None = None  # draws and DMs the report's chart later
    profile_of: ProfileOf | None = None  # admin rights and time zone of anyone, by id
    refresh_names: RefreshNames | None = None  # fetch people's names into the store's cache
    _views: dict[str, Core] = field(default_factory=dict, init=False, repr=False, compare=False)

    def for_team(self, team: str) -> Core:
        """This Core as workspace ``team`` sees it: the same pieces over that team's store view."""
        if team == self.store.team:
            return self
        view = self._views.get(team)
        if view is None:
            view = dataclasses.replace(self, store=self.store.for_team(team))
            view._views = self._views
            self._views[team] = view
        return view

    def __post_init__(self) -> None:
        self.daily = DailyQuizzes(
            self.store, self.kb, reveal_hours=self.settings.daily_reveal_hours
        )
        self.digests = Digests(self.store)
        self.campaigns = Campaigns(self.store, self.kb)
        self.service_names = ServiceNameReader(self.kb, self.matcher.find_service)


Handler = Callable[[Core, Caller, str], Any]


@dataclass(frozen=True)
class Subcommand:
    """One ``/ofin <name> ...``: its handler, usage line and help, who may run it."""

    name: str
    handler: Handler
    usage: str
    help: str
    admin: bool = False
    # A predicate on the arguments; when it says no, the whole text is a question instead
    # ("daily backups for RDS?" is a question, not the ``daily`` command).
    accepts: Callable[[str], bool] | None = None
    # Works only where ofin can post in channels and DMs (Slack), not in the local console.
    slack_only: bool = False


def subcommand(
    name: str,
    *,
    help: str,
    usage: str | None = None,
    admin: bool = False,
    accepts: Callable[[str], bool] | None = None,
    slack_only: bool = False,
) -> Callable[[Handler], Subcommand]:
    """Make the decorated ``handler(core, caller, args)`` a Subcommand; dispatch.py lists it."""
    key = name.lower()
    if not key.isalpha():
        raise ValueError(f"subcommand names are single words, got {name!r}")

    def make(handler: Handler) -> Subcommand:
        return Subcommand(key, handler, usage or key, help, admin, accepts, slack_only)

    return make
