"""Operating ofin, end to end: a request shows up in /metrics and as one JSON log line.

Issue 17, items 3 and 4: an answered /ofin in HTTP mode adds 1 to the answer counter and a sample
to the latency histogram, and logs exactly one JSON request line with its team, channel, outcome,
item and confidence, never the question's text (unless the log level is DEBUG).
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.harness import SIGNING_SECRET, TEAM_ID, FakeSlack, OfinProcess, SlackSender

QUESTION = "who patches the guest operating system on EC2 instances?"


def scrape(bot: OfinProcess) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of GET /metrics, by name and labels."""
    response = requests.get(f"{bot.base_url}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def sample(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def request_lines(bot: OfinProcess, channel: str, timeout: float = 10.0) -> list[dict]:
    """The JSON request lines logged for ``channel`` (waits for the first)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [json.loads(line) for line in bot.log().splitlines() if line.startswith("{")]
        found = [ln for ln in lines if ln["logger"] == "ofin.request" and ln["channel"] == channel]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@pytest.fixture(scope="module")
def json_bot(ofin_factory) -> OfinProcess:
    return ofin_factory(OFIN_LOG_FORMAT="json")


def test_an_answered_command_is_counted_timed_and_logged_once_without_its_text(
    json_bot: OfinProcess, slack: FakeSlack
) -> None:
    sender = SlackSender(json_bot.events_url, SIGNING_SECRET)
    before = scrape(json_bot)
    channel = "C" + uuid.uuid4().hex[:8].upper()
    rid = uuid.uuid4().hex[:10]
    resp = sender.command(
        QUESTION, user_id="UOPS", channel_id=channel, response_url=slack.response_url(rid)
    )
    assert resp.status_code == 200
    [reply] = slack.wait_for(f"response:{rid}")
    assert reply.body["text"].startswith("You:")  # the customer's job

    [line] = request_lines(json_bot, channel)
    assert line["surface"] == "command"
    assert line["team"] == TEAM_ID
    assert line["outcome"] == "answered"
    assert line["owner"] == "customer"
    assert line["item"] and isinstance(line["confidence"], int)
    assert line["latency_ms"] >= 0
    assert line["level"] == "INFO" and "time" in line

    after = scrape(json_bot)
    answered = ("ofin_answers_total", {"owner": "customer", "outcome": "answered"})
    assert (
        sample(after, answered[0], **answered[1]) == sample(before, answered[0], **answered[1]) + 1
    )
    count = ("ofin_answer_seconds_count", {"surface": "command"})
    assert sample(after, count[0], **count[1]) == sample(before, count[0], **count[1]) + 1
    assert sample(after, "ofin_ack_seconds_count") > sample(before, "ofin_ack_seconds_count")
    requests_ = ("ofin_requests_total", {"surface": "command", "outcome": "answered"})
    assert (
        sample(after, requests_[0], **requests_[1])
        == sample(before, *requests_[:1], **requests_[1]) + 1
    )

    log = json_bot.log()
    assert QUESTION not in log and "instances" not in log  # never what a person typed
    assert "xoxb-" not in log.replace("xoxb-<redacted>", "")


def test_a_declined_mention_counts_its_reason_and_its_web_api_call(
    json_bot: OfinProcess, slack: FakeSlack
) -> None:
    sender = SlackSender(json_bot.events_url, SIGNING_SECRET)
    before = scrape(json_bot)
    channel = "C" + uuid.uuid4().hex[:8].upper()
    event = {
        "type": "app_mention",
        "user": "UOPS",
        "text": "<@UBOT> write me a poem about lunch",
        "ts": f"1710000000.{uuid.uuid4().int % 10**6:06d}",
        "channel": channel,
    }
    assert sender.event(event).status_code == 200
    slack.wait_for("chat.postMessage")
    [line] = request_lines(json_bot, channel)
    assert line["surface"] == "mention"
    assert line["outcome"] == "declined"
    assert line["reason"]
    after = scrape(json_bot)
    reason = ("ofin_declines_total", {"reason": line["reason"]})
    assert sample(after, reason[0], **reason[1]) == sample(before, reason[0], **reason[1]) + 1
    posted = ("ofin_slack_api_calls_total", {"method": "chat.postMessage", "status": "ok"})
    assert sample(after, posted[0], **posted[1]) >= sample(before, posted[0], **posted[1]) + 1
    assert "poem" not in json_bot.log()


def test_at_debug_the_request_line_carries_the_text(ofin_factory, slack: FakeSlack) -> None:
    bot = ofin_factory(OFIN_LOG_FORMAT="json", OFIN_LOG_LEVEL="DEBUG")
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    channel = "C" + uuid.uuid4().hex[:8].upper()
    rid = uuid.uuid4().hex[:10]
    sender.command(
        QUESTION, user_id="UOPS", channel_id=channel, response_url=slack.response_url(rid)
    )
    slack.wait_for(f"response:{rid}")
    [line] = request_lines(bot, channel)
    assert line["text"] == QUESTION
    bot.stop()
