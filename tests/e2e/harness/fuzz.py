"""Fuzzed interaction payloads: a real click's payload with fields broken at random depths.

    bodies = fuzzed_clicks(random.Random(1), 500, response_url=fake.response_url("fuzz"))

Each body is form-encoded as Slack sends interactions, and is meant to be signed: these are the
requests only a holder of the signing secret could send, so they reach the parser.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any
from urllib.parse import parse_qs, urlencode

from tests.e2e.harness.slack_requests import block_actions_body

JUNK: list[Any] = [None, "", "x", 0, -1, 1.5, True, [], {}, [None], [{}], {"id": None}, "a" * 500]
NAMED: dict[str, dict[str, Any]] = {
    "actions empty": {"actions": []},
    "actions null": {"actions": None},
    "actions an object": {"actions": {}},
    "actions a string": {"actions": "x"},
    "actions [null]": {"actions": [None]},
    "an action without action_id": {"actions": [{}]},
    "action_id a number": {"actions": [{"action_id": 5}]},
    "type missing": {"type": ...},
    "type a number": {"type": 5},
    "view_submission without a view": {"type": "view_submission"},
    "a view that is null": {"type": "view_submission", "view": None},
    "shortcut without callback_id": {"type": "shortcut"},
    "block_suggestion without ids": {"type": "block_suggestion"},
    "user null": {"user": None},
    "user a string": {"user": "U1"},
    "channel a string": {"channel": "C1"},
    "container null": {"container": None},
    "response_url a number": {"response_url": 5},
    "authorizations a string": {"authorizations": "x"},
}


def click_payload(response_url: str, action_id: str = "ofin_share") -> dict[str, Any]:
    """A well-formed block_actions payload (a click on Share with a value ofin refuses)."""
    body = block_actions_body(action_id, "garbage", user_id="UFUZZ", response_url=response_url)
    return json.loads(parse_qs(body.decode())["payload"][0])


def as_form(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def named_click(name: str, response_url: str) -> bytes:
    """A click's payload broken in the way ``NAMED[name]`` says (a new trigger_id each time)."""
    payload = click_payload(response_url)
    for key, value in NAMED[name].items():
        if value is ...:
            payload.pop(key, None)
        else:
            payload[key] = value
    return as_form(payload)


def named_clicks(response_url: str) -> dict[str, bytes]:
    """One body per named way of breaking a click's payload."""
    bodies = {name: named_click(name, response_url) for name in NAMED}
    bodies["not JSON"] = urlencode({"payload": '{"type": "block_actions", "actions": ['}).encode()
    bodies["JSON null"] = as_form(None)
    bodies["an empty object"] = as_form({})
    return bodies


def _mutate(node: Any, rng: random.Random) -> Any:
    """``node`` with one value somewhere inside it replaced, or one key removed."""
    if isinstance(node, dict) and node:
        key = rng.choice(list(node))
        roll = rng.random()
        if roll < 0.15:
            node.pop(key)
        elif roll < 0.55 and isinstance(node[key], dict | list) and node[key]:
            node[key] = _mutate(node[key], rng)
        else:
            node[key] = copy.deepcopy(rng.choice(JUNK))
        return node
    if isinstance(node, list) and node:
        i = rng.randrange(len(node))
        node[i] = _mutate(node[i], rng) if rng.random() < 0.5 else copy.deepcopy(rng.choice(JUNK))
        return node
    return copy.deepcopy(rng.choice(JUNK))


def fuzzed_clicks(rng: random.Random, count: int, response_url: str) -> list[bytes]:
    """``count`` click bodies, each with one to three fields broken; a few not JSON at all."""
    bodies = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.1:
            bodies.append(named_click(rng.choice(list(NAMED)), response_url))
            continue
        payload: Any = click_payload(response_url)
        for _ in range(rng.randint(1, 3)):
            payload = _mutate(payload, rng)
        text = json.dumps(payload)
        if roll > 0.95:
            text = text[: rng.randrange(len(text))]
        bodies.append(urlencode({"payload": text}).encode())
    return bodies
