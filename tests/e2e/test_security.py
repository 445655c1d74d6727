"""Requests not signed by Slack get HTTP 401 and change nothing; /healthz answers."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from tests.e2e.harness import OfinProcess, SlackSender, db_rows, signature
from tests.e2e.harness.slack_requests import (
    FORM,
    JSON,
    block_actions_body,
    command_body,
    event_body,
)

TABLES = ("claims", "declined", "feedback")


def counts(ofin: OfinProcess) -> dict[str, int]:
    return {t: db_rows(ofin.db_path, f"SELECT COUNT(*) FROM {t}")[0][0] for t in TABLES}


def bodies(slack) -> list[tuple[bytes, str]]:
    """One of each kind of request, each of which would write to the DB and call Slack."""
    value = json.dumps({"q": "who patches ec2?", "i": "guest-os-patching", "s": None, "c": 90})
    event = {
        "type": "app_mention",
        "user": "UALICE",
        "text": "<@UBOT> tell me a joke",
        "ts": "1.2",
        "channel": "C0TEAM",
    }
    return [
        (
            command_body(
                "tell me a joke", user_id="UMALLORY", response_url=slack.response_url("evil")
            ),
            FORM,
        ),
        (event_body(event, event_id=f"Ev{uuid.uuid4().hex[:8]}"), JSON),
        (
            block_actions_body(
                "ofin_feedback_up",
                value,
                user_id="UMALLORY",
                response_url=slack.response_url("evil"),
            ),
            FORM,
        ),
    ]


@pytest.mark.parametrize("kind", ["unsigned", "wrong signature", "stale timestamp"])
def test_unverified_requests_get_401_and_change_nothing(kind, ofin, sender: SlackSender, slack):
    before = counts(ofin)
    for body, content_type in bodies(slack):
        if kind == "unsigned":
            resp = sender.post(body, content_type, sign=False)
        elif kind == "wrong signature":
            resp = sender.post(
                body, content_type, signature=signature("not-the-secret", int(time.time()), body)
            )
        else:
            old = int(time.time()) - 6 * 60
            resp = sender.post(body, content_type, timestamp=old)
        assert resp.status_code == 401, (kind, resp.text)
    slack.settle()
    assert slack.calls(include_refused=True) == []
    assert counts(ofin) == before
    assert "UMALLORY" not in ofin.log()  # what an unverified request says never reaches the log


def test_a_signed_request_does_change_things(ofin, sender, slack):
    """The control for the test above: the same kind of request, signed, is acted on."""
    before = counts(ofin)
    [(body, content_type), *_] = bodies(slack)
    assert sender.post(body, content_type).status_code == 200
    slack.wait_for("response:evil")
    assert counts(ofin)["declined"] == before["declined"] + 1


def test_healthz(ofin):
    resp = requests.get(f"{ofin.base_url}/healthz", timeout=5)
    assert resp.status_code == 200
    assert resp.text.strip() == "ok"
    assert requests.get(f"{ofin.base_url}/nope", timeout=5).status_code == 404
