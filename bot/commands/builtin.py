"""The built-in behaviour: answer a question, rebuild a chosen answer, ``stack``, ``unanswered``."""

from __future__ import annotations

from bot.answer.answer import Answer
from bot.commands.core import Caller, Core, subcommand
from bot.commands.results import AnswerResult, StackResult, UnansweredResult, UnknownServiceResult
from bot.kb.model import Service

MAX_UNANSWERED = 50


def answer_question(core: Core, caller: Caller, question: str) -> AnswerResult:
    """Ask the engine; a declined, non-empty question is logged for curators."""
    answer = core.matcher.ask(question)
    if not answer.answered and answer.declined_because != "empty":
        core.store.declined.record_declined(
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


def find_service(core: Core, text: str) -> Service | None:
    """The service named by ``text``: by its id, name or an alias, else the engine's detection."""
    text = text.strip()
    if not text:
        return None
    return core.service_names.named(text) or core.matcher.find_service(text)


@subcommand(
    "stack",
    usage="stack <service>",
    help='The responsibility stack of one service, e.g. "stack rds".',
)
def stack(core: Core, caller: Caller, args: str) -> StackResult | UnknownServiceResult:
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
def unanswered(core: Core, caller: Caller, args: str) -> UnansweredResult:
    limit = min(max(int(args), 1), MAX_UNANSWERED) if args.isdigit() else 10
    return UnansweredResult(tuple(core.store.declined.top_declined(limit)))
