"""/ofin over real HTTP: answer cards and their buttons, help, stack, unanswered, escaping."""

from __future__ import annotations

import json
import uuid

import pytest

from bot.answer.matcher import Matcher
from bot.kb.loader import load
from tests.e2e.harness import FakeSlack, OfinProcess, SlackSender, db_rows

UNSURE_CANDIDATES = (
    "who handles the thing under the hood",
    "who runs the show",
    "who isolates tenants from each other on shared hosts",
    "write me a poem",
    "security stuff",
    "patching maybe",
    "kms?",  # a bare service name: that service's items
)


def rid() -> str:
    return uuid.uuid4().hex[:10]


def ask(sender: SlackSender, slack: FakeSlack, text: str, user_id: str = "UALICE") -> dict:
    """Send /ofin TEXT and return the body posted to its response_url."""
    r = rid()
    resp = sender.command(text, user_id=user_id, response_url=slack.response_url(r))
    assert resp.status_code == 200
    assert resp.text == ""  # an empty ack: the answer comes through response_url
    return slack.wait_for(f"response:{r}")[0].body


def visible(body: dict) -> str:
    """Everything a person can see in a message (button values are hidden from people)."""

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "value"}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return json.dumps(strip(body), ensure_ascii=False)


def buttons(body: dict) -> dict[str, dict]:
    """The message's buttons by action_id."""
    return {
        e["action_id"]: e
        for b in body.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    }


def click(sender: SlackSender, slack: FakeSlack, button: dict, user_id: str = "UALICE", **kw):
    """Click ``button`` and return the bodies posted to the click's response_url."""
    r = rid()
    resp = sender.action(
        button["action_id"],
        button["value"],
        user_id=user_id,
        response_url=slack.response_url(r),
        **kw,
    )
    assert resp.status_code == 200
    return [c.body for c in slack.wait_for(f"response:{r}")]


def test_question_gets_an_ephemeral_card_with_owner_badge_and_source(sender, slack):
    body = ask(sender, slack, "who patches the guest OS on my EC2 instance?")
    assert body["response_type"] == "ephemeral"
    text = json.dumps(body["blocks"], ensure_ascii=False)
    assert "You — security IN the cloud" in text
    assert "Patching the guest operating system" in text
    assert "docs.aws.amazon.com" in text
    assert "On Amazon EC2:" in text
    assert list(buttons(body)) == ["ofin_share", "ofin_feedback_up", "ofin_feedback_down"]


def test_aws_side_gets_the_aws_badge(sender, slack):
    body = ask(sender, slack, "who patches the hypervisor?")
    assert "AWS — security OF the cloud" in json.dumps(body["blocks"], ensure_ascii=False)


def test_share_in_channel_posts_the_same_card_for_everyone(sender, slack):
    card = ask(sender, slack, "who patches the guest OS on my EC2 instance?")
    [shared] = click(sender, slack, buttons(card)["ofin_share"])
    assert shared["response_type"] == "in_channel"
    assert shared["replace_original"] is False
    assert shared["blocks"][:3] == card["blocks"][:3]  # badge, title + explanation, note
    assert "ofin_share" not in buttons(shared)  # already public
    assert "ofin_feedback_up" in buttons(shared)


def test_share_double_click_posts_once(sender, slack):
    card = ask(sender, slack, "who encrypts data in S3?")
    share = buttons(card)["ofin_share"]
    ts = f"1700000001.{uuid.uuid4().int % 10**6:06d}"
    click(sender, slack, share, message_ts=ts)
    r = rid()
    sender.action(
        share["action_id"],
        share["value"],
        user_id="UALICE",
        response_url=slack.response_url(r),
        message_ts=ts,
    )
    slack.settle()
    assert slack.responses(r) == []


def test_thumbs_up_is_stored_with_the_question(sender, slack, ofin: OfinProcess):
    question = f"who patches the guest OS on EC2? {rid()}"
    card = ask(sender, slack, question, user_id="UFEEDBACK")
    [thanks] = click(sender, slack, buttons(card)["ofin_feedback_up"], user_id="UFEEDBACK")
    assert "Thanks" in thanks["text"]
    assert thanks["response_type"] == "ephemeral"
    rows = db_rows(
        ofin.db_path,
        "SELECT item_id, helpful FROM feedback WHERE user_id = ? AND question = ?",
        ("UFEEDBACK", question),
    )
    assert rows == [("guest-os-patching", 1)]

    click(sender, slack, buttons(card)["ofin_feedback_down"], user_id="UFEEDBACK")
    rows = db_rows(
        ofin.db_path,
        "SELECT helpful FROM feedback WHERE user_id = ? AND question = ?",
        ("UFEEDBACK", question),
    )
    assert rows == [(0,)]  # the latest vote wins


@pytest.fixture(scope="module")
def unsure_question() -> str:
    matcher = Matcher(load())
    for question in UNSURE_CANDIDATES:
        answer = matcher.ask(question)
        if answer.declined_because == "unsure" and answer.suggestions:
            return question
    pytest.fail(f"none of {UNSURE_CANDIDATES} gets 'did you mean' suggestions any more")


def test_did_you_mean_buttons_answer_when_clicked(sender, slack, unsure_question):
    body = ask(sender, slack, unsure_question)
    suggestions = {k: v for k, v in buttons(body).items() if k.startswith("ofin_suggest_")}
    assert 1 <= len(suggestions) <= 3
    assert "Did you mean" in json.dumps(body["blocks"])
    first = suggestions["ofin_suggest_1"]
    [answer] = click(sender, slack, first)
    assert answer["replace_original"] is True
    text = json.dumps(answer["blocks"], ensure_ascii=False)
    assert first["text"]["text"] in text  # the picked item's title
    assert "security" in text and "cloud" in text  # an owner badge
    assert "ofin_share" in buttons(answer)


def test_declined_question_is_friendly_and_logged(sender, slack, ofin: OfinProcess):
    question = f"tell me a joke {rid()}"
    body = ask(sender, slack, question, user_id="UJOKER")
    text = json.dumps(body["blocks"], ensure_ascii=False)
    assert "I don't have an answer" in text
    assert "/ofin help" in text
    assert not buttons(body)
    rows = db_rows(
        ofin.db_path, "SELECT user_id, channel_id FROM declined WHERE question = ?", (question,)
    )
    assert rows == [("UJOKER", "C0GENERAL")]


@pytest.mark.parametrize("text", ["", "help", "  HELP "])
def test_help_and_empty_show_usage(sender, slack, text):
    body = ask(sender, slack, text)
    usage = json.dumps(body["blocks"])
    for command in ("/ofin stack <service>", "/ofin help", "/ofin unanswered"):
        assert command.replace("<", "&lt;").replace(">", "&gt;") in usage


def os_layer(body: dict) -> str:
    """The stack line about the operating system."""
    lines = body["blocks"][1]["text"]["text"].splitlines()
    return next(line for line in lines if "operating system" in line.lower())


def test_stack_shows_the_os_layer_moving_from_you_to_aws(sender, slack):
    ec2 = ask(sender, slack, "stack ec2")
    lam = ask(sender, slack, "stack Lambda")
    assert "Amazon EC2" in ec2["blocks"][0]["text"]["text"]
    assert "AWS Lambda" in lam["blocks"][0]["text"]["text"]
    assert os_layer(ec2).endswith(": You")
    assert ": AWS" in os_layer(lam)
    layers = ec2["blocks"][1]["text"]["text"].splitlines()
    assert "data" in layers[0].lower() and "data center" in layers[-1].lower()  # top to bottom


def test_stack_unknown_service_lists_the_known_ones(sender, slack):
    body = ask(sender, slack, "stack mainframe")
    text = body["blocks"][0]["text"]["text"]
    assert "mainframe" in text
    assert "`ec2`" in text and "`lambda`" in text and "`s3`" in text


def test_unanswered_for_admins_only(sender, slack, fake_slack):
    marker = rid()
    for _ in range(2):
        ask(sender, slack, f"what is the weather in {marker}")
    ask(sender, slack, f"tell me a joke about {marker}")

    listed = ask(sender, slack, "unanswered", user_id="UADMIN")  # in OFIN_ADMINS
    text = listed["blocks"][0]["text"]["text"]
    assert f"what is the weather in {marker}” ×2" in text
    assert text.index(f"weather in {marker}") < text.index(f"joke about {marker}")

    fake_slack.set_user("UOWNER", is_owner=True)  # a workspace owner, found through users.info
    owner = ask(sender, slack, "unanswered", user_id="UOWNER")
    assert marker in owner["blocks"][0]["text"]["text"]

    refused = ask(sender, slack, "unanswered", user_id="UBOB")
    assert "admins only" in refused["text"]
    assert marker not in json.dumps(refused)


def test_user_text_never_pings(sender, slack):
    body = ask(sender, slack, "<!channel> <@U999> tell me a joke &amp; more &lt;!here&gt;")
    raw = visible(body)
    assert "<!channel>" not in raw and "<@U999>" not in raw and "<!here>" not in raw
    assert "tell me a joke &amp; more &lt;!here&gt;" in raw  # typed text shows as typed

    card = ask(sender, slack, "<!here> who patches the hypervisor?")
    assert "AWS — security OF the cloud" in json.dumps(card, ensure_ascii=False)
    raw = visible(card)
    assert "<!here>" not in raw
