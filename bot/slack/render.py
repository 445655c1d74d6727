"""Turn command results (bot/commands/) into Slack messages, by result type: the table at the end.

A result without a renderer in ``RENDERERS`` but with a ``to_text()`` method is shown as one
escaped section. Pure: no Slack calls here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from bot.answer.answer import Answer
from bot.commands.campaign import MAX_LISTED, CampaignStatus
from bot.commands.matrix import DutiesResult, MatrixResult, UnknownServicesResult
from bot.commands.report import ReportResult
from bot.commands.results import (
    AnswerResult,
    HelpResult,
    Notice,
    StackResult,
    UnansweredResult,
    UnknownServiceResult,
)
from bot.matrix.matrix import short_name, to_data
from bot.quiz.daily import DailyStatus
from bot.quiz.practice import PracticeFeedback, PracticeQuestion
from bot.quiz.scores import Leaderboard, Stats, TeamBoard, stats_lines
from bot.slack.blocks import answers as blocks
from bot.slack.blocks import matrix as matrix_blocks
from bot.slack.blocks import quiz as quiz_blocks
from bot.slack.blocks.report import report_message

Surface = Literal["command", "mention", "dm", "action", "shortcut"]


@dataclass(frozen=True)
class Where:
    """Where the message goes: ``ephemeral`` (only the asker sees it) and the surface."""

    ephemeral: bool
    surface: Surface = "command"


Renderer = Callable[[Any, Where], dict]


def render(result: Any, where: Where) -> dict:
    """The message dict ({"text", "blocks"}) for one command result, within Slack's limits."""
    for cls in type(result).__mro__:
        renderer = RENDERERS.get(cls)
        if renderer is not None:
            return blocks.within_limits(renderer(result, where))
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
        "source": item.source_for(service),
        "confidence": answer.confidence,
        "cues": list(answer.cues),
    }


def render_answer(answer: Answer, where: Where) -> dict:
    """An answer card, or a decline / "did you mean" message."""
    if answer.answered and answer.item is not None:
        return blocks.answer_card(card_data(answer), shareable=where.ephemeral, feedback=True)
    suggestions = [{"id": s.id, "title": s.title} for s in answer.suggestions]
    if answer.declined_because == "depends":
        return blocks.depends_message(
            answer.question,
            [{"what": what, "owner": owner} for what, owner in answer.layers],
            suggestions,
            service_name=answer.service.name if answer.service else None,
            service_id=answer.service.id if answer.service else None,
            confidence=answer.confidence,
        )
    return blocks.declined_message(
        answer.question,
        answer.declined_because,
        suggestions,
        service_id=answer.service.id if answer.service else None,
        confidence=answer.confidence,
    )


def _answer(result: AnswerResult, where: Where) -> dict:
    return render_answer(result.answer, where)


def _help(result: HelpResult, where: Where) -> dict:
    return blocks.help_message([asdict(e) for e in result.entries])


def _stack(result: StackResult, where: Where) -> dict:
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


def _unknown_service(result: UnknownServiceResult, where: Where) -> dict:
    known = [{"id": s.id, "name": s.name} for s in result.known]
    return blocks.unknown_service_message(result.query, known)


def _unanswered(result: UnansweredResult, where: Where) -> dict:
    return blocks.unanswered_message(list(result.rows))


def _notice(result: Notice, where: Where) -> dict:
    return blocks.notice_message(result.text, result.kind)


# --- the quiz ------------------------------------------------------------------------------------


def _daily_status(result: DailyStatus, where: Where) -> dict:
    return blocks.notice_message(quiz_blocks.daily_status_text(result))


def _practice_question(result: PracticeQuestion, where: Where) -> dict:
    return quiz_blocks.practice_question(result.prompt_id, result.question, result.topic.label)


def _practice_feedback(result: PracticeFeedback, where: Where) -> dict:
    return quiz_blocks.practice_feedback(
        result.question, result.choice, result.correct, result.sources, counted=result.counted
    )


def _leaderboard(result: Leaderboard, where: Where) -> dict:
    return quiz_blocks.leaderboard(
        [asdict(r) for r in result.rows],
        asdict(result.me) if result.me else None,
        result.caller_id,
        result.period,
        result.channel_id,
    )


def _team_board(result: TeamBoard, where: Where) -> dict:
    return quiz_blocks.team_board([asdict(r) for r in result.rows], result.period)


def _quiz_stats(result: Stats, where: Where) -> dict:
    return quiz_blocks.stats_message(stats_lines(result))


# --- the matrix ----------------------------------------------------------------------------------


def matrix_data(result: MatrixResult, *, assignable: bool = False) -> dict:
    """The plain dict the matrix builder takes."""
    matrix = result.matrix
    data = to_data(matrix)
    shorts = {s.id: short_name(s) for s in matrix.services}
    return {
        "title": result.title,
        "services": [{"id": s.id, "short": shorts[s.id], "name": s.name} for s in matrix.services],
        "areas": [
            {
                "id": area["id"],
                "name": area["name"],
                "cells": [{"short": shorts[sid], **area["cells"][sid]} for sid in data["services"]],
            }
            for area in data["areas"]
        ],
        "duties": [
            {
                "key": d.key,
                "area": d.area.name,
                "text": d.text,
                "shared": d.shared,
                "owner": result.owners.get(d.key),
            }
            for d in matrix.duties
        ],
        "stack": result.stack,
        "assignable": assignable and result.stack is not None,
        "download": matrix_blocks.encode_download([s.id for s in matrix.services], result.stack),
        "template": (
            {
                "summary": result.template.summary,
                "unknown": list(result.template.unknown),
                "apart": list(result.template.apart),
                "modules": list(result.template.modules),
                "complete_answer": result.template.complete_answer,
            }
            if result.template
            else None
        ),
    }


def _matrix(result: MatrixResult, where: Where) -> dict:
    return matrix_blocks.matrix_message(matrix_data(result, assignable=result.can_assign))


def _unknown_services(result: UnknownServicesResult, where: Where) -> dict:
    return matrix_blocks.unknown_services_message(
        [{"name": u.name, "suggestions": list(u.suggestions)} for u in result.unknown]
    )


def _duties(result: DutiesResult, where: Where) -> dict:
    return matrix_blocks.duties_message(
        [{"stack": r.stack, "area": r.area, "text": r.text} for r in result.rows]
    )


# --- training ------------------------------------------------------------------------------------


def _report(result: ReportResult, where: Where) -> dict:
    return report_message(result.report.to_dict())


def _campaign_status(result: CampaignStatus, where: Where) -> dict:
    p = result.progress
    head = (
        f"*Campaign in <#{result.channel_id}>:* {p.campaign.describe()} ({p.period.label}). "
        f"By now each member should have {p.expected_now}. {len(p.done)} done, "
        f"{len(p.behind)} behind."
    )
    lines = [f"• <@{u}>: {p.answered[u]}" for u in p.behind[:MAX_LISTED]]
    if len(p.behind) > MAX_LISTED:
        lines.append(f"… and {len(p.behind) - MAX_LISTED} more")
    text = head + ("\n*Behind*\n" + "\n".join(lines) if lines else "\nNobody is behind.")
    return {
        "text": head,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}],
    }


RENDERERS: dict[type, Renderer] = {
    AnswerResult: _answer,
    HelpResult: _help,
    StackResult: _stack,
    UnknownServiceResult: _unknown_service,
    UnansweredResult: _unanswered,
    Notice: _notice,
    DailyStatus: _daily_status,
    PracticeQuestion: _practice_question,
    PracticeFeedback: _practice_feedback,
    Leaderboard: _leaderboard,
    TeamBoard: _team_board,
    Stats: _quiz_stats,
    MatrixResult: _matrix,
    UnknownServicesResult: _unknown_services,
    DutiesResult: _duties,
    ReportResult: _report,
    CampaignStatus: _campaign_status,
}
