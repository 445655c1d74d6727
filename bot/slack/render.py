"""Turn command results (bot/commands/dispatch.py) into Slack messages, by result type.

Add a renderer for your own result type::

    from bot.slack.render import Where, slack_renderer

    @slack_renderer(StatsResult)
    def _stats(result: StatsResult, where: Where) -> dict:
        return {"text": "Your stats", "blocks": [...]}

A result without a registered renderer but with a ``to_text()`` method is shown as one escaped
section. Pure: no Slack calls here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from bot.answer.matcher import Answer
from bot.commands import dispatch as commands
from bot.slack.blocks import answers as blocks


@dataclass(frozen=True)
class Where:
    """Where the message goes: ``ephemeral`` (only the asker sees it) and the surface."""

    ephemeral: bool
    surface: str = "command"  # "command" | "mention" | "dm" | "action"


Renderer = Callable[[Any, Where], dict]
RENDERERS: dict[type, Renderer] = {}


def slack_renderer(result_type: type) -> Callable[[Renderer], Renderer]:
    """Register the decorated function as the Slack renderer of ``result_type``."""

    def register(func: Renderer) -> Renderer:
        RENDERERS[result_type] = func
        return func

    return register


def render(result: Any, where: Where) -> dict:
    """The message dict ({"text", "blocks"}) for one command result, within Slack's limits."""
    for cls in type(result).__mro__:
        if cls in RENDERERS:
            return blocks.within_limits(RENDERERS[cls](result, where))
    if hasattr(result, "to_text"):
        return blocks.notice_message(result.to_text())
    raise TypeError(f"no Slack renderer for {type(result).__name__}")


def card_data(answer: Answer) -> dict[str, Any]:
    """The plain dict the answer card builder takes."""
    item = answer.item
    assert item is not None, "card_data needs an answered question"
    service = answer.service
    return {
        "question": answer.question,
        "owner": answer.owner,
        "item_id": item.id,
        "title": item.title,
        "explanation": item.explanation,
        "service_id": service.id if service else None,
        "service_name": service.name if service else None,
        "note": answer.note,
        "source": item.sources[0] if item.sources else None,
        "confidence": answer.confidence,
    }


def render_answer(answer: Answer, where: Where) -> dict:
    """An answer card, or a decline / "did you mean" message."""
    if answer.answered and answer.item is not None:
        return blocks.answer_card(card_data(answer), shareable=where.ephemeral, feedback=True)
    suggestions = [{"id": s.id, "title": s.title} for s in answer.suggestions]
    return blocks.declined_message(
        answer.question,
        answer.declined_because,
        suggestions,
        service_id=answer.service.id if answer.service else None,
        confidence=answer.confidence,
    )


@slack_renderer(commands.AnswerResult)
def _answer(result: commands.AnswerResult, where: Where) -> dict:
    return render_answer(result.answer, where)


@slack_renderer(commands.HelpResult)
def _help(result: commands.HelpResult, where: Where) -> dict:
    return blocks.help_message([asdict(e) for e in result.entries])


@slack_renderer(commands.StackResult)
def _stack(result: commands.StackResult, where: Where) -> dict:
    service = result.service
    return blocks.stack_message(
        {
            "id": service.id,
            "name": service.name,
            "model": service.model,
            "layers": [{"name": x.name, "owner": x.owner, "note": x.note} for x in service.stack],
            "source": service.sources[0] if service.sources else None,
        }
    )


@slack_renderer(commands.UnknownServiceResult)
def _unknown_service(result: commands.UnknownServiceResult, where: Where) -> dict:
    known = [{"id": s.id, "name": s.name} for s in result.known]
    return blocks.unknown_service_message(result.query, known)


@slack_renderer(commands.UnansweredResult)
def _unanswered(result: commands.UnansweredResult, where: Where) -> dict:
    return blocks.unanswered_message(list(result.rows))


@slack_renderer(commands.Notice)
def _notice(result: commands.Notice, where: Where) -> dict:
    return blocks.notice_message(result.text, result.kind)
