"""Requests signed exactly as Slack signs them: slash commands, events and button clicks.

Slack's signature: ``v0=`` + hex HMAC-SHA256 of ``v0:<timestamp>:<raw body>`` with the signing
secret, in ``X-Slack-Signature``, the timestamp in ``X-Slack-Request-Timestamp``::

    sender = SlackSender(events_url, SIGNING_SECRET)
    sender.command("who patches ec2?", user_id="U1", response_url=fake.response_url("r1"))
    sender.event({"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "channel": "C1",
                  "ts": "1.1"}, retry_num=1)
    sender.action("ofin_share", value, user_id="U1", response_url=fake.response_url("r2"))
    sender.message_shortcut("ofin_ask_message", {"text": "who patches RDS?", "user": "U2",
                            "ts": "1.2"}, user_id="U1", response_url=fake.response_url("r3"))
    sender.shortcut("ofin_ask", user_id="U1")                   # a global shortcut
    sender.view_submission("ofin_ask_view", {"blk": {"act": {"type": "plain_text_input",
                           "value": "who patches RDS?"}}}, user_id="U1")
    sender.post(body, content_type, signature="v0=wrong")      # the raw door, for bad requests
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import requests

from tests.e2e.harness.fake_slack import BOT_USER_ID, TEAM_ID

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """Slack's v0 signature of ``body`` at ``timestamp``."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """X-Slack-Request-Timestamp and X-Slack-Signature for ``body`` (now, unless given)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": signature(secret, ts, body)}


def command_body(
    text: str,
    *,
    user_id: str,
    response_url: str,
    channel_id: str = "C0GENERAL",
    team_id: str = TEAM_ID,
    command: str = "/ofin",
) -> bytes:
    """A slash command's form-encoded body."""
    fields = {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "team_domain": "ofin-test",
        "channel_id": channel_id,
        "channel_name": "general",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0OFIN",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"trigger.{uuid.uuid4().hex}",
    }
    return urlencode(fields).encode()


def event_body(
    event: dict[str, Any], *, event_id: str | None = None, team_id: str = TEAM_ID
) -> bytes:
    """An Events API ``event_callback`` JSON body around ``event``."""
    envelope = {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "api_app_id": "A0OFIN",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:12].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
    }
    return json.dumps(envelope).encode()


def block_actions_body(
    action_id: str,
    value: str,
    *,
    user_id: str,
    response_url: str,
    channel_id: str = "C0GENERAL",
    team_id: str = TEAM_ID,
    message_ts: str = "1700000000.000001",
    is_ephemeral: bool = True,
    block_id: str = "block",
) -> bytes:
    """A ``block_actions`` interaction: form-encoded, one ``payload`` field holding JSON."""
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
        "api_app_id": "A0OFIN",
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        },
        "trigger_id": f"trigger.{uuid.uuid4().hex}",
        "team": {"id": team_id, "domain": "ofin-test"},
        "channel": {"id": channel_id, "name": "general"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def _interaction(payload: dict[str, Any]) -> bytes:
    """An interaction's body: form-encoded, its one ``payload`` field holding JSON."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def _who(user_id: str, team_id: str) -> dict[str, Any]:
    return {
        "token": "deprecated-verification-token",
        "team": {"id": team_id, "domain": "ofin-test"},
        "user": {
            "id": user_id,
            "username": user_id.lower(),
            "name": user_id.lower(),
            "team_id": team_id,
        },
        "api_app_id": "A0OFIN",
        "is_enterprise_install": False,
        "enterprise": None,
        "trigger_id": f"trigger.{uuid.uuid4().hex}",
        "action_ts": f"{time.time():.6f}",
    }


def message_action_body(
    callback_id: str,
    message: dict[str, Any],
    *,
    user_id: str,
    response_url: str,
    channel_id: str = "C0GENERAL",
    team_id: str = TEAM_ID,
) -> bytes:
    """A message shortcut (``message_action``) on ``message``, as Slack posts it."""
    message = {"type": "message", "team": team_id, "blocks": [], **message}
    payload = {
        "type": "message_action",
        **_who(user_id, team_id),
        "callback_id": callback_id,
        "channel": {"id": channel_id, "name": "general"},
        "message_ts": message.get("ts", ""),
        "message": message,
        "response_url": response_url,
    }
    return _interaction(payload)


def shortcut_body(callback_id: str, *, user_id: str, team_id: str = TEAM_ID) -> bytes:
    """A global shortcut (``shortcut``), as Slack posts it: no channel, no response_url."""
    return _interaction({"type": "shortcut", **_who(user_id, team_id), "callback_id": callback_id})


def view_submission_body(
    callback_id: str, values: dict[str, Any], *, user_id: str, team_id: str = TEAM_ID
) -> bytes:
    """A modal's ``view_submission``; ``values`` is its state (block id -> action id -> value)."""
    view = {
        "id": "V0ASK",
        "team_id": team_id,
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": "",
        "blocks": [],
        "state": {"values": values},
        "hash": "1700000000.abcdef",
        "title": {"type": "plain_text", "text": "Ask ofin"},
        "app_id": "A0OFIN",
        "bot_id": "BBOT",
    }
    payload = {
        "type": "view_submission",
        **_who(user_id, team_id),
        "view": view,
        "response_urls": [],
    }
    payload.pop("action_ts")
    return _interaction(payload)


class SlackSender:
    """Send signed requests to the bot's /slack/events URL, as Slack would."""

    def __init__(self, url: str, secret: str) -> None:
        self.url = url
        self.secret = secret

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        sign: bool = True,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """POST ``body``; signed unless ``sign=False``; ``signature`` overrides the real one."""
        all_headers = {"Content-Type": content_type}
        if sign:
            all_headers.update(signed_headers(self.secret, body, timestamp))
        if signature is not None:
            all_headers["X-Slack-Signature"] = signature
        all_headers.update(headers or {})
        return requests.post(self.url, data=body, headers=all_headers, timeout=10)

    def command(self, text: str, **fields: Any) -> requests.Response:
        """Send a slash command (see ``command_body`` for the fields)."""
        return self.post(command_body(text, **fields), FORM)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> requests.Response:
        """Send an event; ``retry_num`` adds X-Slack-Retry-Num as Slack's redeliveries do."""
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.post(event_body(event, event_id=event_id), JSON, headers=headers)

    def action(self, action_id: str, value: str, **fields: Any) -> requests.Response:
        """Click a button (see ``block_actions_body`` for the fields)."""
        return self.post(block_actions_body(action_id, value, **fields), FORM)

    def message_shortcut(
        self, callback_id: str, message: dict[str, Any], **fields: Any
    ) -> requests.Response:
        """Pick a message shortcut on ``message`` (see ``message_action_body``)."""
        return self.post(message_action_body(callback_id, message, **fields), FORM)

    def shortcut(self, callback_id: str, **fields: Any) -> requests.Response:
        """Pick a global shortcut (see ``shortcut_body``)."""
        return self.post(shortcut_body(callback_id, **fields), FORM)

    def view_submission(
        self, callback_id: str, values: dict[str, Any], **fields: Any
    ) -> requests.Response:
        """Submit a modal (see ``view_submission_body``)."""
        return self.post(view_submission_body(callback_id, values, **fields), FORM)
