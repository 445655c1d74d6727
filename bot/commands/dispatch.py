"""The Slack-free command layer: the text after ``/ofin`` (or one console line) -> a result.

``dispatch(core, caller, text)`` routes ``help``, ``stack <service>``, ``unanswered`` and every
registered subcommand; any other text is a question for the answer engine. Handlers return plain
dataclasses; the Slack front end renders them with Block Kit (bot/slack/render.py) and the console
renders them as text (bot/terminal/console.py). Neither front end is imported here.

How to add a subcommand (the quiz does it in bot/commands/quiz.py)::

    from bot.commands.dispatch import Caller, Core, Notice, subcommand

    @subcommand("stats", usage="stats", help="Your quiz record.")
    def stats(core: Core, caller: Caller, args: str) -> StatsResult:
        ...

    @subcommand("daily", admin=True, usage="daily on [HH:MM] [tz] [weekdays]",
                help="Schedule the daily quiz in this channel.",
                accepts=lambda args: args.split()[:1] in (["on"], ["off"], ["status"]))
    def daily(core: Core, caller: Caller, args: str) -> Notice: ...

- ``admin=True``: non-admins get a refusal (a ``Notice`` with kind "refusal") before the handler
  runs. ``caller.is_admin`` and ``caller.tz`` are looked up lazily (Slack: users.info, once).
- ``accepts``: a predicate on the arguments; when it says no, the whole text is treated as a
  question instead ("daily backups for RDS?" is a question, not the ``daily`` command).
- The module is imported by the one registration point, ``PLUGIN_MODULES`` below (a module that
  does not exist yet is skipped), so adding a subcommand never means editing the dispatcher.
- Return any dataclass and say how it looks on each front end:

  * Slack: ``@slack_renderer(StatsResult)`` from bot/slack/render.py, a function
    ``(result, where) -> {"text": ..., "blocks": [...]}``; put it in a module under
    bot/slack/listeners/ (every module there is imported when the app is built).
  * Console: ``@console_renderer(StatsResult)`` from bot/terminal/console.py, a function
    ``(result, session) -> str`` (``session.expect(reply)`` takes the next line as an answer).
  * Or give the result a ``to_text() -> str`` method: both front ends fall back to it.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from bot.answer.matcher import Answer, Matcher
from bot.kb.loader import KnowledgeBase, Service

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store import Store

logger = logging.getLogger(__name__)

# The one registration point: modules that register subcommands when imported.
PLUGIN_MODULES: tuple[str, ...] = (
    "bot.commands.quiz",
    "bot.commands.matrix",
    "bot.commands.report",
    "bot.commands.digest",
    "bot.commands.campaign",
)

SURFACES = ("slack", "console")
MAX_UNANSWERED = 50


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
        surface: str = "slack",
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


@dataclass
class Core:
    """The long-lived pieces every handler needs, built once per process."""

    kb: KnowledgeBase
    matcher: Matcher
    store: Store
    settings: Settings
    extras: dict[str, Any] = field(default_factory=dict)  # room for plugins (e.g. a scheduler)


# ---------------------------------------------------------------------------------------------
# Results: front-end-neutral dataclasses


@dataclass(frozen=True)
class AnswerResult:
    """The engine's answer (or decline) to a question."""

    answer: Answer


@dataclass(frozen=True)
class HelpEntry:
    """One line of usage."""

    usage: str
    help: str
    admin: bool = False


@dataclass(frozen=True)
class HelpResult:
    """The usage text: every subcommand, built-in and registered."""

    entries: tuple[HelpEntry, ...]


@dataclass(frozen=True)
class StackResult:
    """One service's responsibility stack, top (data) to bottom (facilities)."""

    service: Service


@dataclass(frozen=True)
class UnknownServiceResult:
    """``stack`` got a name it does not know; ``known`` lists what it does know."""

    query: str
    known: tuple[Service, ...]


@dataclass(frozen=True)
class UnansweredResult:
    """The most frequent declined questions, for curators."""

    rows: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Notice:
    """A short plain-text message; ``kind`` is "info", "refusal" or "error"."""

    text: str
    kind: str = "info"


# ---------------------------------------------------------------------------------------------
# The registry


Handler = Callable[[Core, Caller, str], Any]


@dataclass(frozen=True)
class Subcommand:
    """A registered subcommand."""

    name: str
    handler: Handler
    usage: str
    help: str
    admin: bool = False
    accepts: Callable[[str], bool] | None = None


REGISTRY: dict[str, Subcommand] = {}
_plugins_loaded = False


def subcommand(
    name: str,
    *,
    help: str,
    usage: str | None = None,
    admin: bool = False,
    accepts: Callable[[str], bool] | None = None,
) -> Callable[[Handler], Handler]:
    """Register the decorated ``handler(core, caller, args)`` as ``/ofin <name> ...``."""
    key = name.lower()
    if not key.isalpha():
        raise ValueError(f"subcommand names are single words, got {name!r}")

    def register(handler: Handler) -> Handler:
        if key in REGISTRY and REGISTRY[key].handler is not handler:
            raise ValueError(f"subcommand {key!r} is already registered")
        REGISTRY[key] = Subcommand(key, handler, usage or key, help, admin, accepts)
        return handler

    return register


def load_plugins() -> None:
    """Import every module in PLUGIN_MODULES once; a module not written yet is skipped."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for name in PLUGIN_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # the plugin exists but one of *its* imports is missing
                raise
            logger.debug("plugin %s not present; skipped", name)


def dispatch(core: Core, caller: Caller, text: str) -> Any:
    """Run the subcommand named by the first word of ``text``, or answer ``text`` as a question."""
    load_plugins()
    text = " ".join((text or "").split())
    if not text:
        return help_result()
    word, _, args = text.partition(" ")
    sub = REGISTRY.get(word.lower())
    if sub is not None and (sub.accepts is None or sub.accepts(args)):
        if sub.admin and not caller.is_admin:
            return Notice(
                f'Sorry, "{sub.name}" is for ofin admins only '
                "(workspace admins and the people listed in OFIN_ADMINS).",
                kind="refusal",
            )
        return sub.handler(core, caller, args)
    return answer_question(core, caller, text)


# ---------------------------------------------------------------------------------------------
# Built-in behaviour


def answer_question(core: Core, caller: Caller, question: str) -> AnswerResult:
    """Ask the engine; a declined, non-empty question is logged for curators."""
    answer = core.matcher.ask(question)
    if not answer.answered and answer.declined_because != "empty":
        core.store.record_declined(
            question=question, user_id=caller.user_id, channel_id=caller.channel_id
        )
    return AnswerResult(answer)


def answer_for_item(
    core: Core, item_id: str, service_id: str | None, question: str, confidence: int = 100
) -> Answer | None:
    """Rebuild the answer for one chosen item (a "did you mean" click, a share), or None."""
    item = core.kb.item(item_id)
    if item is None:
        return None
    service = core.kb.service(service_id) if service_id else None
    sid = service.id if service else None
    return Answer(
        question=question,
        owner=item.owner_for(sid),
        item=item,
        confidence=confidence,
        service=service,
        suggestions=(),
        note=item.note_for(sid),
    )


def help_result() -> HelpResult:
    """Usage for every subcommand, the question form first."""
    load_plugins()
    entries = [HelpEntry("<question>", 'Whose job is it? e.g. "who patches the OS on EC2?"')]
    entries += [
        HelpEntry(sub.usage, sub.help, sub.admin)
        for sub in sorted(REGISTRY.values(), key=lambda s: (s.admin, s.name != "help", s.name))
    ]
    return HelpResult(tuple(entries))


@subcommand(
    "help",
    help="Show this help.",
    accepts=lambda args: not args or args.lower() in REGISTRY,
)
def _help(core: Core, caller: Caller, args: str) -> HelpResult:
    return help_result()


def find_service(core: Core, text: str) -> Service | None:
    """The service named by ``text``: its exact id first, then the engine's detection."""
    text = text.strip()
    if not text:
        return None
    exact = core.kb.service(text.lower())
    if exact is not None:
        return exact
    for service in core.kb.services:
        if text.lower() in (service.name.lower(), *(a.lower() for a in service.aliases)):
            return service
    return core.matcher.find_service(text)


@subcommand(
    "stack",
    usage="stack <service>",
    help='The responsibility stack of one service, e.g. "stack rds".',
)
def _stack(core: Core, caller: Caller, args: str) -> StackResult | UnknownServiceResult:
    service = find_service(core, args)
    if service is None:
        return UnknownServiceResult(args, tuple(sorted(core.kb.services, key=lambda s: s.id)))
    return StackResult(service)


@subcommand(
    "unanswered",
    usage="unanswered [N]",
    admin=True,
    help="The questions ofin declined most often, for curators.",
    accepts=lambda args: not args or args.isdigit(),  # "unanswered 5"; other text is a question
)
def _unanswered(core: Core, caller: Caller, args: str) -> UnansweredResult:
    limit = min(max(int(args), 1), MAX_UNANSWERED) if args.isdigit() else 10
    return UnansweredResult(tuple(core.store.top_declined(limit)))


def build_core(settings: Settings, kb: KnowledgeBase) -> Core:
    """Open the store and index the knowledge base once; ConfigError when OFIN_DB is unusable."""
    from bot.config import ConfigError
    from bot.store import Store, StoreError

    try:
        store = Store(settings.db_path)
    except StoreError as exc:
        raise ConfigError(f"ofin: {exc} (check OFIN_DB)") from None
    from bot.quiz.versions import record_versions

    record_versions(store, kb.quiz_questions)  # which wording each answer saw, for evidence
    return Core(kb=kb, matcher=Matcher(kb), store=store, settings=settings)
