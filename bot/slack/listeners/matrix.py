"""The matrix in Slack: renderers for matrix results and the Download button.

Thin: parse the click, call the Slack-free core (bot/matrix_commands.py), render with
bot/slack/matrix_blocks.py, send.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.matrix import short_name, to_csv, to_markdown
from bot.matrix_commands import MatrixResult, UnknownServicesResult, export_matrix
from bot.slack import matrix_blocks
from bot.slack.blocks import notice_message
from bot.slack.context import core_of
from bot.slack.render import Where, slack_renderer
from bot.slack.work import later

logger = logging.getLogger(__name__)


def matrix_data(result: MatrixResult, *, assignable: bool = False) -> dict:
    """The plain dict the matrix builder takes."""
    matrix = result.matrix
    return {
        "title": result.title,
        "services": [{"id": s.id, "short": short_name(s), "name": s.name} for s in matrix.services],
        "areas": [
            {
                "id": area.id,
                "name": area.name,
                "cells": [
                    {
                        "short": short_name(s),
                        "owner": matrix.cell(area.id, s.id).owner,
                        "note": matrix.cell(area.id, s.id).note,
                        "source": matrix.cell(area.id, s.id).source,
                    }
                    for s in matrix.services
                ],
            }
            for area in matrix.areas
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
            {"summary": result.template.summary, "unknown": list(result.template.unknown)}
            if result.template
            else None
        ),
    }


@slack_renderer(MatrixResult)
def _matrix(result: MatrixResult, where: Where) -> dict:
    return matrix_blocks.matrix_message(matrix_data(result, assignable=result.can_assign))


@slack_renderer(UnknownServicesResult)
def _unknown(result: UnknownServicesResult, where: Where) -> dict:
    return matrix_blocks.unknown_services_message(
        [{"name": u.name, "suggestions": list(u.suggestions)} for u in result.unknown]
    )


def _file_base(result: MatrixResult) -> str:
    name = result.stack or "-".join(s.id for s in result.matrix.services[:6])
    return "ofin-matrix-" + re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")


def on_download(
    ack: Any, action: dict, body: dict, respond: Any, context: Any, client: WebClient
) -> None:
    """Upload the matrix as CSV and Markdown into the clicker's DM with ofin."""
    later(
        ack,
        context,
        body,
        lambda: _download(action, body, respond, context, client),
        respond=respond,
        client=client,
    )


def _download(action: dict, body: dict, respond: Any, context: Any, client: WebClient) -> None:
    try:
        service_ids, stack = matrix_blocks.decode_download(action.get("value") or "")
    except ValueError:
        logger.warning("ignored a download button whose value is not ours: %r", action.get("value"))
        return
    user_id = body["user"]["id"]
    team_id = (body.get("team") or {}).get("id") or ""
    result = export_matrix(core_of(context), team_id, service_ids, stack)
    if result is None:
        message = notice_message("That matrix is gone (the stack was deleted). Ask for it again.")
        respond(response_type="ephemeral", replace_original=False, **message)
        return
    base = _file_base(result)
    try:
        dm = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=dm,
            initial_comment=f"{result.title}: {len(result.matrix.services)} services",
            file_uploads=[
                {
                    "content": to_csv(result.matrix, result.owners),
                    "filename": f"{base}.csv",
                    "title": f"{result.title} (CSV)",
                },
                {
                    "content": to_markdown(result.matrix, result.owners, title=result.title),
                    "filename": f"{base}.md",
                    "title": f"{result.title} (Markdown)",
                },
            ],
        )
    except SlackApiError as exc:
        logger.warning("could not upload the matrix: %s", exc.response.get("error"))
        text = "Sorry, Slack refused the upload. Try again in a moment."
        respond(response_type="ephemeral", replace_original=False, **notice_message(text))
        return
    text = f"Sent to our DM: {base}.csv and {base}.md."
    respond(response_type="ephemeral", replace_original=False, **notice_message(text))


def register(app: App) -> None:
    """Register the matrix buttons."""
    app.action(matrix_blocks.ACTION_DOWNLOAD)(on_download)
