"""Slack's side of the request log and the metrics: what a request is, its ack, its Web API calls.

- ``ObservedApp``: Bolt's App, timing every dispatch (the ack) and finishing the request's record
  when nothing was handed to a worker;
- ``open_record``: the record of a request, from the body Slack sent (surface, team, channel);
- ``CountingCalls``: a retry handler that never retries but counts every Web API attempt by
  method and status. Bolt copies the app client's retry handlers into the client it makes for
  each request, so this sees every call, the listeners' as well as the schedulers'.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.ops import metrics
from bot.ops.requests import RequestRecord

if TYPE_CHECKING:  # workspaces.py needs this module (through app.py): no import circle
    from bot.slack.workspaces import TeamCores

RECORD_KEY = "ofin_request"  # where the middleware puts the request's record in Bolt's context


class ObservedApp(App):
    """A Bolt App whose dispatch (Bolt's checks, middleware, listener, ack) is timed.

    ``team_cores`` is set with OAuth installs: each workspace's Core (bot/slack/workspaces.py).
    """

    team_cores: TeamCores | None = None

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        """Dispatch as Bolt does; observe the ack's latency; finish an undeferred record."""
        start = time.monotonic()
        response = super().dispatch(req)
        metrics.ACK_SECONDS.observe(time.monotonic() - start)
        record = req.context.get(RECORD_KEY)
        if isinstance(record, RequestRecord) and not record.deferred:
            record.finish("error" if response.status >= 500 else None)
        return response


def record_of(context: BoltContext) -> RequestRecord | None:
    """The request's record, when the middleware opened one."""
    record = context.get(RECORD_KEY)
    return record if isinstance(record, RequestRecord) else None


def note(context: BoltContext, result: object) -> None:
    """Tell the request's record what the command layer returned (an answer's verdict)."""
    record = record_of(context)
    if record is not None:
        record.note(result)


def ignored(context: BoltContext) -> None:
    """Mark the request as one ofin leaves alone on purpose (its line is logged at DEBUG)."""
    record = record_of(context)
    if record is not None:
        record.outcome = "ignored"


def open_record(body: dict) -> RequestRecord:
    """A record for a request Slack sent: its surface, team and channel ids, and its text."""
    event = body.get("event") if isinstance(body.get("event"), dict) else None
    text: object = None
    if body.get("command"):
        surface, channel, text = "command", body.get("channel_id"), body.get("text")
    elif event is not None:
        kind = str(event.get("type") or "event")
        if kind == "app_mention":
            surface = "mention"
        elif kind == "message":
            surface = "dm" if event.get("channel_type") == "im" else "message"
        elif kind == "app_home_opened":
            surface = "home"
        else:
            surface = "event"
        channel, text = event.get("channel"), event.get("text")
    else:
        surface = {
            "block_actions": "action",
            "view_submission": "view",
            "view_closed": "view",
            "shortcut": "shortcut",
            "message_action": "shortcut",
            "block_suggestion": "options",
        }.get(str(body.get("type")), "other")
        channel = _id(body.get("channel"))
    team = body.get("team_id") or _id(body.get("team")) or _id(body.get("user"), "team_id")
    return RequestRecord(
        surface=surface,
        team=_short(team),
        channel=_short(channel),
        text=text if isinstance(text, str) else None,
    )


def _id(value: object, key: str = "id") -> object:
    return value.get(key) if isinstance(value, dict) else None


def _short(value: object) -> str | None:
    """A Slack id as it may appear in a log line (ids are short; anything else is cut)."""
    return str(value)[:32] if isinstance(value, str) and value else None


class CountingCalls(RetryHandler):
    """Counts each Web API attempt in ofin_slack_api_calls; never asks for a retry itself."""

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = request.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        metrics.slack_call(method, _status(response, error))
        return False

    def _can_retry(self, **kwargs: object) -> bool:
        return False


def _status(response: HttpResponse | None, error: Exception | None) -> str:
    if response is None:
        return "network"
    if response.status_code != 200:
        return f"http_{response.status_code}"
    body = response.body if isinstance(response.body, dict) else {}
    if body.get("ok") is False:
        return str(body.get("error") or "error")
    return "ok"
