"""The shape of what Slack sends, checked before Bolt parses it.

Bolt reads a request with chains of ``.get`` and ``[0]`` that raise on a body of the wrong shape
(``actions`` empty, null or an object; ``user`` a string; ``event`` null…), and the exception
escapes its WSGI adapter as a 500 with a traceback, which makes Slack retry. Only holders of the
signing secret can send such a body, but it must still cost one log line and a 400, with nothing
done. ``SPECS`` declares, for every kind of request ofin handles, the fields Bolt and ofin's
listeners read and their types; ``problem`` names the first field that breaks it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from types import NoneType
from typing import Any
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Field:
    """One field of a JSON object: its allowed types and, for objects and lists, their fields."""

    types: tuple[type, ...]
    required: bool = False
    fields: dict[str, Field] = field(default_factory=dict)  # a dict's own fields
    items: dict[str, Field] | None = None  # each item of a list is an object with these fields
    nonempty: bool = False
    pattern: re.Pattern[str] | None = None  # what a string must match, whole


def _f(*types: type, required: bool = False, **kw: Any) -> Field:
    return Field(tuple(types), required, **kw)


STR = _f(str)
URL = _f(str, pattern=re.compile(r"https?://[^\s]+"))
ID = {"id": _f(str, NoneType)}
AUTHORIZATION = {
    "team_id": _f(str, NoneType),
    "user_id": _f(str, NoneType),
    "enterprise_id": _f(str, NoneType),
    "is_bot": _f(bool),
    "is_enterprise_install": _f(bool),
}
# What every interaction payload (form field ``payload``) may carry, as Bolt reads it.
INTERACTION = {
    "type": _f(str, required=True),
    "user": _f(dict, required=True, fields={"id": _f(str, required=True), "team_id": STR}),
    "team": _f(dict, NoneType, fields={"id": _f(str, NoneType), "enterprise_id": STR}),
    "enterprise": _f(dict, str, NoneType, fields=ID),
    "is_enterprise_install": _f(bool, str),
    "channel": _f(dict, fields=ID),
    "channel_id": STR,
    "container": _f(
        dict,
        fields={"message_ts": STR, "channel_id": STR, "is_ephemeral": _f(bool), "type": STR},
    ),
    "response_url": URL,
    "trigger_id": STR,
    "api_app_id": STR,
    "message": _f(dict, fields={"ts": STR, "text": STR, "blocks": _f(list)}),
    "state": _f(dict),
    "authorizations": _f(list, items=AUTHORIZATION),
    "function_data": _f(dict),
    "bot_access_token": STR,
}
ACTION = {
    "action_id": _f(str, required=True),
    "block_id": STR,
    "type": STR,
    "value": STR,
    "action_ts": STR,
    "selected_option": _f(dict, NoneType, fields={"value": STR}),
}
VIEW = {"id": STR, "callback_id": STR, "private_metadata": STR, "state": _f(dict)}
BY_TYPE: dict[str, dict[str, Field]] = {
    "block_actions": {"actions": _f(list, required=True, nonempty=True, items=ACTION)},
    "view_submission": {"view": _f(dict, required=True, fields=VIEW)},
    "view_closed": {"view": _f(dict, required=True, fields=VIEW)},
    "shortcut": {"callback_id": _f(str, required=True)},
    "message_action": {"callback_id": _f(str, required=True)},
    "block_suggestion": {"action_id": _f(str, required=True), "block_id": _f(str, required=True)},
}
EVENT = {
    "type": _f(str, required=True),
    "subtype": STR,
    "user": _f(str, dict, fields=ID),
    "channel": _f(str, dict, fields=ID),
    "channel_type": STR,
    "text": STR,
    "ts": STR,
    "thread_ts": STR,
    "event_ts": STR,
    "team": STR,
    "tab": STR,
    "bot_id": STR,
    "file_id": STR,
    "file": _f(dict, fields=ID),
    "files": _f(list, items={"id": STR}),
}
ENVELOPE = {
    "type": _f(str, required=True),
    "team_id": _f(str, NoneType),
    "enterprise_id": _f(str, NoneType),
    "api_app_id": STR,
    "event_id": STR,
    "event_time": _f(int),
    "is_ext_shared_channel": _f(bool),
    "authorizations": _f(list, items=AUTHORIZATION),
    "event": _f(dict, fields=EVENT),
    "challenge": STR,
}
# A slash command's form fields (each a string once parsed); Slack's periodic ssl_check is none.
COMMAND_FIELDS = ("command", "user_id", "team_id", "channel_id")


def problem(body: bytes, content_type: str) -> str | None:
    """Why ``body`` is not a request Slack could have sent ofin, or None when it has the shape."""
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json"):
            return _envelope(json.loads(text))
        form = parse_qs(text, keep_blank_values=True)
        if "payload" in form:
            return _interaction(json.loads(form["payload"][0]))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "not the JSON or form encoding it claims"
    if "ssl_check" in form:
        return None
    missing = [name for name in COMMAND_FIELDS if not form.get(name, [""])[0]]
    return f"a command without {', '.join(missing)}" if missing else None


def _envelope(data: object) -> str | None:
    if not isinstance(data, dict):
        return "not a JSON object"
    found = _check(data, ENVELOPE, "")
    if found is None and data["type"] == "event_callback" and "event" not in data:
        found = "an event_callback without its event"
    return found


def _interaction(data: object) -> str | None:
    if not isinstance(data, dict):
        return "its payload is not a JSON object"
    found = _check(data, INTERACTION, "payload.")
    if found is None:
        found = _check(data, BY_TYPE.get(data["type"], {}), "payload.")
    # A click in a message is answered at its response_url (a click in App Home has none).
    in_message = found is None and (data.get("container") or {}).get("type") in (None, "message")
    if in_message and data["type"] == "block_actions" and not data.get("response_url"):
        found = "payload.response_url is missing from a click in a message"
    return found


def _check(data: dict, spec: dict[str, Field], where: str) -> str | None:
    for name, rule in spec.items():
        if name not in data:
            if rule.required:
                return f"{where}{name} is missing"
            continue
        value = data[name]
        if not isinstance(value, rule.types) or (
            isinstance(value, bool) and bool not in rule.types
        ):
            return f"{where}{name} is {type(value).__name__}"
        if rule.pattern and isinstance(value, str) and not rule.pattern.fullmatch(value):
            return f"{where}{name} is not in its format"
        if isinstance(value, dict) and rule.fields:
            found = _check(value, rule.fields, f"{where}{name}.")
            if found:
                return found
        if isinstance(value, list) and rule.items is not None:
            if rule.nonempty and not value:
                return f"{where}{name} is empty"
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    return f"{where}{name}[{i}] is {type(item).__name__}"
                found = _check(item, rule.items, f"{where}{name}[{i}].")
                if found:
                    return found
    return None
