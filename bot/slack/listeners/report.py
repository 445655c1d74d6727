"""The report's Download button: the full report (HTML, CSV per person and per answer) by DM.

Thin: the files are made by the Slack-free ``export_report`` (bot/commands/report.py), which
refreshes people's names through the helper the app wired (bot/slack/report.py).
"""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands.report import ReportFiles, export_report
from bot.slack.blocks import report as report_blocks
from bot.slack.blocks.answers import notice_message
from bot.slack.context import core_of, slack_caller
from bot.slack.listeners.matrix import acked_first

logger = logging.getLogger(__name__)


def _say(respond: Respond, text: str, kind: str = "info") -> None:
    respond(response_type="ephemeral", replace_original=False, **notice_message(text, kind))


def _download(
    action: dict, body: dict, respond: Respond, context: BoltContext, client: WebClient
) -> None:
    """Send the full report of the button's period and channel to the clicker's DM."""
    try:
        label, channel_id = report_blocks.decode_download(action.get("value") or "")
    except ValueError:
        logger.warning("ignored a report download whose value is not ours: %r", action.get("value"))
        return
    user_id = body["user"]["id"]
    team_id = (body.get("team") or {}).get("id")
    caller = slack_caller(context, client, user_id, (body.get("channel") or {}).get("id"), team_id)
    result = export_report(core_of(context), caller, label, channel_id)
    if not isinstance(result, ReportFiles):
        _say(respond, result.text, result.kind)
        return
    try:
        dm = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=dm,
            initial_comment=(
                f"Training report {result.label}: {result.people} people. {result.names_note}"
            ),
            file_uploads=[
                {"content": f.content, "filename": f.filename, "title": f.title}
                for f in result.files
            ],
        )
    except SlackApiError as exc:
        logger.warning("could not upload the report: %s", exc.response.get("error"))
        _say(respond, "Sorry, Slack refused the upload. Try again in a moment.", "error")
        return
    names = ", ".join(f.filename for f in result.files)
    _say(respond, f"Sent to our DM: {names}.")


def register(app: App) -> None:
    """Register the report's Download button."""
    app.action(report_blocks.ACTION_DOWNLOAD)(acked_first(_download))
