"""Requests not signed by Slack get HTTP 401 and change nothing; /healthz answers."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from tests.e2e.harness import SIGNING_SECRET, OfinProcess, SlackSender, db_rows, signature
from tests.e2e.harness.slack_requests import (
    FORM,
    JSON,
    block_actions_body,
    command_body,
    event_body,
    signed_headers,
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


MALFORMED_TIMESTAMPS = ["abc", "", "1e9", "12.5", "-1", "+1", "0x10", "99999999999999999999"]


@pytest.mark.parametrize("timestamp", MALFORMED_TIMESTAMPS)
def test_a_malformed_timestamp_is_refused_and_acts_on_nothing(
    timestamp, ofin, sender: SlackSender, slack
):
    """A forged request whose timestamp is not a number must not reach the error handler.

    It used to: Bolt's check raised ValueError, and the error handler then answered at the
    forged response_url and posted into the forged event's channel.
    """
    before = counts(ofin)
    for body, content_type in bodies(slack):
        forged = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + "0" * 64}
        resp = sender.post(body, content_type, sign=False, headers=forged)
        assert resp.status_code == 401, (timestamp, resp.status_code, resp.text)
    slack.settle()
    assert slack.calls(include_refused=True) == []
    assert counts(ofin) == before


@pytest.mark.parametrize("missing", ["X-Slack-Request-Timestamp", "X-Slack-Signature"])
def test_a_request_missing_a_signature_header_is_refused(missing, ofin, sender, slack):
    body, content_type = bodies(slack)[0]
    headers = signed_headers(SIGNING_SECRET, body)
    del headers[missing]
    resp = sender.post(body, content_type, sign=False, headers=headers)
    assert resp.status_code == 401
    slack.settle()
    assert slack.calls(include_refused=True) == []


def test_a_timestamp_from_the_future_is_refused(ofin, sender, slack):
    body, content_type = bodies(slack)[0]
    resp = sender.post(body, content_type, timestamp=int(time.time()) + 6 * 60)
    assert resp.status_code == 401
    slack.settle()
    assert slack.calls(include_refused=True) == []


def test_a_replayed_signed_request_is_refused(ofin, sender, slack):
    """The same signed request sent twice inside Slack's 5-minute window is acted on once."""
    before = counts(ofin)
    body, content_type = bodies(slack)[0]
    headers = signed_headers(SIGNING_SECRET, body)
    first = sender.post(body, content_type, sign=False, headers=headers)
    second = sender.post(body, content_type, sign=False, headers=headers)
    assert (first.status_code, second.status_code) == (200, 401)
    slack.wait_for("response:evil")
    slack.settle()
    assert len(slack.calls("response:evil")) == 1
    assert counts(ofin)["declined"] == before["declined"] + 1


@pytest.mark.parametrize("retry_num", ["1", "2", "01", "abc", "-1"])
def test_a_replay_is_acted_on_once_whatever_its_retry_header_says(retry_num, ofin, sender, slack):
    """X-Slack-Retry-Num is not signed: a captured request resent with it must not act again."""
    before = counts(ofin)
    body, content_type = bodies(slack)[0]
    headers = signed_headers(SIGNING_SECRET, body)
    first = sender.post(body, content_type, sign=False, headers=headers)
    replay = sender.post(
        body, content_type, sign=False, headers={**headers, "X-Slack-Retry-Num": retry_num}
    )
    assert first.status_code == 200
    assert replay.status_code in (200, 401)
    assert replay.text.strip() == "" or replay.status_code == 401
    slack.wait_for("response:evil")
    slack.settle()
    assert len(slack.calls("response:evil")) == 1
    assert counts(ofin)["declined"] == before["declined"] + 1


def test_slacks_retries_are_acknowledged_and_not_acted_on_again(ofin, sender, slack):
    """Slack resends a request it thinks we missed: same body and signature, a retry number.

    Each retry gets a 200 (or Slack keeps retrying) and does nothing: the command is not answered
    again, the mention not replied to again, the click not stored again.
    """
    sent = [(body, ctype, signed_headers(SIGNING_SECRET, body)) for body, ctype in bodies(slack)]
    for body, ctype, headers in sent:
        assert sender.post(body, ctype, sign=False, headers=headers).status_code == 200
    slack.wait_for("response:evil", count=2)
    slack.settle()
    stored, calls = counts(ofin), len(slack.calls(include_refused=True))
    for retry_num in ("1", "2", "3"):
        for body, ctype, headers in sent:
            retry = {**headers, "X-Slack-Retry-Num": retry_num, "X-Slack-Retry-Reason": "timeout"}
            response = sender.post(body, ctype, sign=False, headers=retry)
            assert response.status_code == 200, (retry_num, response.text)
            assert response.text == ""
    slack.settle()
    assert counts(ofin) == stored
    assert len(slack.calls(include_refused=True)) == calls


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
