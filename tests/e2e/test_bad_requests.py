"""Signed but malformed requests are refused cleanly, change nothing, and the bot keeps serving."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from tests.e2e.harness import OfinProcess, SlackSender, db_rows
from tests.e2e.harness.fake_slack import FakeSlack
from tests.e2e.harness.fuzz import fuzzed_clicks, named_clicks
from tests.e2e.harness.slack_requests import FORM, JSON, block_actions_body

TABLES = ("feedback", "declined", "answers")


def counts(ofin: OfinProcess) -> dict[str, int]:
    return {t: db_rows(ofin.db_path, f"SELECT COUNT(*) FROM {t}")[0][0] for t in TABLES}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", JSON),
        (b"[1, 2, 3]", JSON),
        (b"payload=%7Bnot+json", FORM),
        (b"\xff\xfe\x00garbage", FORM),
    ],
    ids=["broken json", "json array", "broken payload", "not utf-8"],
)
def test_malformed_bodies_get_400(
    body: bytes, content_type: str, ofin: OfinProcess, sender: SlackSender, slack: FakeSlack
) -> None:
    before = counts(ofin)
    response = sender.post(body, content_type)
    assert response.status_code == 400
    assert "malformed" in response.text
    slack.settle(quiet=0.3)
    assert slack.calls() == []
    assert counts(ofin) == before


def test_a_huge_body_gets_413(sender: SlackSender, slack: FakeSlack) -> None:
    response = sender.post(b"text=" + b"a" * 1_100_000, FORM)
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("ofin_feedback_up", "garbage"),
        ("ofin_feedback_down", json.dumps({"q": "x", "i": "no-such-item", "s": None, "c": 50})),
        ("ofin_share", "{}"),
    ],
    ids=["not our value", "unknown item", "empty object"],
)
def test_tampered_button_values_store_nothing_and_say_so(
    action_id: str, value: str, ofin: OfinProcess, sender: SlackSender, slack: FakeSlack
) -> None:
    before = counts(ofin)
    response = sender.action(
        action_id, value, user_id="UTAMPER", response_url=slack.response_url("t")
    )
    assert response.status_code == 200
    [reply] = slack.wait_for("response:t")
    assert "no longer in my knowledge base" in reply.text()
    slack.settle(quiet=0.3)
    assert counts(ofin) == before
    assert [c.name for c in slack.calls()] == ["response:t"]


def test_the_bot_still_answers_after_bad_requests(sender: SlackSender, slack: FakeSlack) -> None:
    sender.post(b"{not json", JSON)
    sender.post(block_actions_body("ofin_share", "garbage", user_id="U1", response_url="x"), FORM)
    response = sender.command(
        "who patches the hypervisor?", user_id="UAFTER", response_url=slack.response_url("after")
    )
    assert response.status_code == 200
    [reply] = slack.wait_for("response:after")
    assert "security OF the cloud" in reply.text()


@pytest.mark.parametrize("name", list(named_clicks("http://x/response/fuzz")))
def test_a_signed_click_bolt_cannot_parse_gets_400(
    name: str, ofin: OfinProcess, sender: SlackSender, slack: FakeSlack
) -> None:
    before, log_lines = counts(ofin), len(ofin.log().splitlines())
    body = named_clicks(slack.response_url("fuzz"))[name]
    response = sender.post(body, FORM)
    assert response.status_code in (200, 400), (name, response.status_code)
    slack.settle(quiet=0.3)
    assert counts(ofin) == before
    assert slack.calls() == []
    new = ofin.log().splitlines()[log_lines:]
    assert "Traceback" not in "\n".join(new)
    assert len(new) <= 1, new


def test_fuzzed_signed_clicks_never_get_a_5xx_or_a_traceback(
    ofin: OfinProcess, sender: SlackSender, slack: FakeSlack
) -> None:
    before, log_lines = counts(ofin), len(ofin.log().splitlines())
    bodies = fuzzed_clicks(random.Random(15), 300, slack.response_url("fuzz"))
    codes = Counter(sender.post(body, FORM).status_code for body in bodies)
    assert set(codes) <= {200, 400}, codes
    slack.settle(quiet=0.5)
    assert counts(ofin) == before
    new = "\n".join(ofin.log().splitlines()[log_lines:])
    assert "Traceback" not in new, new[max(0, new.find("Traceback") - 500) :][:3000]
