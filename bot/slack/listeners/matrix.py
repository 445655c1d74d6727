"""The matrix in Slack: the Download and Notes buttons, owner pickers, templates sent in a DM.

Thin: parse the click, call the Slack-free core (bot/commands/matrix.py), render with
bot/slack/blocks/matrix.py, send.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands.matrix import (
    MatrixResult,
    assign_duty,
    export_matrix,
    matrix_for_template,
)
from bot.matrix.iac import MAX_TEMPLATE_BYTES
from bot.matrix.matrix import to_csv, to_markdown
from bot.slack import files
from bot.slack.blocks import matrix as matrix_blocks
from bot.slack.blocks.answers import notice_message
from bot.slack.context import core_of, slack_caller
from bot.slack.render import Where, matrix_data, render
from bot.slack.work import later

logger = logging.getLogger(__name__)


def _file_base(result: MatrixResult) -> str:
    name = result.stack or "-".join(s.id for s in result.matrix.services[:6])
    return "ofin-matrix-" + re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")


ActionJob = Callable[[dict, dict, Respond, BoltContext, WebClient], None]
ActionListener = Callable[[Ack, dict, dict, Respond, BoltContext, WebClient], None]


def acked_first(job: ActionJob) -> ActionListener:
    """The listener for a button or picker: ack at once, then run ``job`` on the Slack pool."""

    def listener(
        ack: Ack,
        action: dict,
        body: dict,
        respond: Respond,
        context: BoltContext,
        client: WebClient,
    ) -> None:
        work = lambda: job(action, body, respond, context, client)  # noqa: E731
        later(ack, context, body, work, respond=respond, client=client)

    listener.__doc__ = job.__doc__
    return listener


def _download(
    action: dict, body: dict, respond: Respond, context: BoltContext, client: WebClient
) -> None:
    """Upload the matrix as CSV and Markdown into the clicker's DM with ofin."""
    try:
        service_ids, stack = matrix_blocks.decode_download(action.get("value") or "")
    except ValueError:
        logger.warning("ignored a download button whose value is not ours: %r", action.get("value"))
        return
    user_id = body["user"]["id"]
    result = export_matrix(core_of(context), service_ids, stack)
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


def _notes(
    action: dict, body: dict, respond: Respond, context: BoltContext, client: WebClient
) -> None:
    """Show one area's notes to the clicker, each note once with the services it applies to."""
    try:
        service_ids, area_id, stack = matrix_blocks.decode_notes(action.get("value") or "")
    except ValueError:
        logger.warning("ignored a notes button whose value is not ours: %r", action.get("value"))
        return
    result = export_matrix(core_of(context), service_ids, stack)  # the workspace's own stack
    area = None
    if result is not None:
        area = next((a for a in matrix_data(result)["areas"] if a["id"] == area_id), None)
    if area is None:
        message = notice_message("That matrix is gone (the stack was deleted). Ask for it again.")
        respond(response_type="ephemeral", replace_original=False, **message)
        return
    message = matrix_blocks.notes_message(area)
    respond(response_type="ephemeral", replace_original=False, unfurl_links=False, **message)


def _assign(
    action: dict, body: dict, respond: Respond, context: BoltContext, client: WebClient
) -> None:
    """Store the person picked as the owner of one duty of a saved stack."""
    try:
        stack, duty_key = matrix_blocks.parse_duty_block_id(action.get("block_id") or "")
    except ValueError:
        logger.warning("ignored an owner pick outside a duty row: %r", action.get("block_id"))
        return
    owner_id = action.get("selected_user")
    if not owner_id:
        return
    core = core_of(context)
    team_id = (body.get("team") or {}).get("id")
    channel_id = (body.get("channel") or {}).get("id")
    caller = slack_caller(context, client, body["user"]["id"], channel_id, team_id)
    result = assign_duty(core, caller, stack, duty_key, owner_id)
    message = notice_message(result.text, result.kind)
    respond(response_type="ephemeral", replace_original=False, **message)


# --- templates sent to ofin in a DM -----------------------------------------------------------


def answer_template(
    file_id: str, user_id: str, channel: str, context: BoltContext, client: WebClient
) -> None:
    """Read a file someone sent ofin in a DM and answer with its matrix (once per file)."""
    core = core_of(context)
    if not core.store.claim(f"matrix-file:{file_id}"):
        return  # the same upload arrives as a message and as file_shared: answer once
    try:
        name, data = files.fetch(client, file_id, MAX_TEMPLATE_BYTES)
    except files.FileRefused as exc:
        client.chat_postMessage(channel=channel, **notice_message(str(exc), "error"))
        return
    except SlackApiError as exc:
        logger.warning("files.info failed for %s: %s", file_id, exc.response.get("error"))
        text = "I could not open that file. Is it still shared with me?"
        client.chat_postMessage(channel=channel, **notice_message(text, "error"))
        return
    logger.info("reading a %d-byte template from %s", len(data), user_id)

    def say_queued() -> None:
        text = f"I'm reading other templates first; {name} is next, in a few seconds."
        client.chat_postMessage(channel=channel, **notice_message(text))

    result = matrix_for_template(core, name, data, on_queued=say_queued)
    message = render(result, Where(ephemeral=False, surface="dm"))
    client.chat_postMessage(channel=channel, unfurl_links=False, **message)


def is_direct(channel: str | None, channel_type: str | None = None) -> bool:
    """True for a DM with ofin."""
    return channel_type == "im" or bool(channel and channel.startswith("D"))


def on_file_shared(
    ack: Ack, event: dict, body: dict, context: BoltContext, client: WebClient
) -> None:
    """A file shared in a DM with ofin: its matrix. Files shared in channels are ignored."""
    file_id = event.get("file_id") or (event.get("file") or {}).get("id")
    channel = event.get("channel_id")
    user_id = event.get("user_id")
    own = user_id is not None and user_id == context.get("bot_user_id")  # our own Download
    if own or not (file_id and channel and user_id and is_direct(channel)):
        ack()
        return
    later(
        ack,
        context,
        body,
        lambda: answer_template(file_id, user_id, channel, context, client),
        client=client,
    )


def on_dm_files(ack: Ack, event: dict, body: dict, context: BoltContext, client: WebClient) -> None:
    """A DM carrying files (message subtype file_share): the matrix of its first file."""
    file_id = (event.get("files") or [{}])[0].get("id")
    if not file_id:
        ack()
        return
    later(
        ack,
        context,
        body,
        lambda: answer_template(file_id, event["user"], event["channel"], context, client),
        client=client,
    )


def register(app: App) -> None:
    """Register the matrix buttons, the owner pickers and the file events."""
    app.action(matrix_blocks.ACTION_DOWNLOAD)(acked_first(_download))
    app.action(matrix_blocks.ACTION_ASSIGN)(acked_first(_assign))
    app.action(matrix_blocks.ACTION_NOTES)(acked_first(_notes))
    app.event("file_shared")(on_file_shared)
