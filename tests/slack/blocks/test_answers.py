"""Every Block Kit builder, as plain dicts."""

from __future__ import annotations

import json

import pytest

from bot.slack.blocks import answers as blocks

CARD = {
    "question": "who patches <!channel> EC2?",
    "owner": "customer",
    "item_id": "guest-os-patching",
    "title": "Patching the guest OS",
    "explanation": "Yours on EC2 & friends.",
    "service_id": "ec2",
    "service_name": "Amazon EC2",
    "note": "EC2 is IaaS.",
    "source": "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-security.html",
    "confidence": 92,
}


def texts(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False)


def action_ids(message: dict) -> list[str]:
    return [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U123|bob>", "&lt;@U123|bob&gt;"),
        ("a & b", "a &amp; b"),
        ("&lt;", "&amp;lt;"),  # already-escaped text stays literal
        ("*bold* _it_", "*bold* _it_"),
    ],
)
def test_escape(raw, escaped):
    assert blocks.escape(raw) == escaped


def test_answer_card_ephemeral_has_badge_note_source_and_three_buttons():
    message = blocks.answer_card(CARD, shareable=True)
    assert (
        message["blocks"][0]["text"]["text"] == "*:bust_in_silhouette: You — security IN the cloud*"
    )
    assert (
        message["blocks"][1]["text"]["text"]
        == "*Patching the guest OS*\nYours on EC2 &amp; friends."
    )
    assert message["blocks"][2]["text"]["text"] == "*On Amazon EC2:* EC2 is IaaS."
    context = message["blocks"][3]["elements"][0]["text"]
    assert (
        "<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-security.html|docs.aws.amazon.com>"
        in context
    )
    assert "&lt;!channel&gt;" in context and "<!channel>" not in context
    assert "high confidence (92/100)" in context
    assert action_ids(message) == ["ofin_share", "ofin_feedback_up", "ofin_feedback_down"]
    assert message["text"] == "You: Patching the guest OS"


def test_answer_card_public_has_no_share_button_and_no_note_block_without_note():
    message = blocks.answer_card({**CARD, "note": None, "owner": "aws"}, shareable=False)
    assert action_ids(message) == ["ofin_feedback_up", "ofin_feedback_down"]
    assert "AWS — security OF the cloud" in message["blocks"][0]["text"]["text"]
    assert not any("On Amazon EC2" in texts(b) for b in message["blocks"])


def test_answer_card_without_any_button():
    message = blocks.answer_card({**CARD, "owner": "shared"}, shareable=False, feedback=False)
    assert action_ids(message) == []
    assert "Shared — both sides" in message["blocks"][0]["text"]["text"]


def test_answer_card_names_the_words_the_answer_was_read_from_escaped():
    with_cues = blocks.answer_card({**CARD, "cues": ["turn on", "<do we>"]}, shareable=False)
    context = json.dumps(with_cues["blocks"], ensure_ascii=False)
    assert "read from: “turn on”, “&lt;do we&gt;”" in context
    assert "read from" not in json.dumps(blocks.answer_card(CARD, shareable=False)["blocks"])


def test_button_value_round_trips_and_stays_under_slack_limit():
    long_question = "é" * 5000
    value = blocks.answer_card({**CARD, "question": long_question}, shareable=True)["blocks"][-1][
        "elements"
    ][0]["value"]
    assert len(value) <= 2000
    decoded = blocks.decode_value(value)
    assert decoded == {
        "question": "é" * blocks.MAX_VALUE_QUESTION,
        "item_id": "guest-os-patching",
        "service_id": "ec2",
        "confidence": 92,
    }


@pytest.mark.parametrize(
    "value",
    [
        "not json",
        "[1]",
        '{"q": "x"}',
        "[" * 50_000 + "]" * 50_000,  # too long
        "[" * 1000 + "]" * 1000,  # short enough, but deeper than the parser goes
        '{"i": "x", "c": [1]}',
        '{"i": "x", "c": "high"}',
        '{"i": "' + "x" * 201 + '"}',
    ],
)
def test_decode_value_rejects_foreign_values(value):
    with pytest.raises(ValueError):
        blocks.decode_value(value)


def test_decode_value_bounds_what_it_accepts():
    decoded = blocks.decode_value('{"i": "x", "c": 100000000000000000000000000000, "s": 7}')
    assert decoded["confidence"] == 100 and decoded["service_id"] is None


def test_every_notice_fits_slack():
    message = blocks.notice_message("x" * 200_000)
    assert len(message["text"]) <= blocks.MAX_FALLBACK_TEXT
    assert len(message["blocks"][0]["text"]["text"]) <= 3000


@pytest.mark.parametrize(
    ("confidence", "word"), [(95, "high"), (85, "high"), (70, "fairly sure"), (40, "low")]
)
def test_confidence_hint(confidence, word):
    assert blocks.confidence_hint(confidence).startswith(word)


def test_source_link_cannot_break_out_of_the_link():
    link = blocks.source_link("https://example.com/a|b>c")
    assert link == "<https://example.com/a%7Cb%3Ec|example.com>"


def test_declined_with_suggestions_offers_up_to_three_buttons():
    suggestions = [{"id": f"item-{n}", "title": f"Title {n}"} for n in range(5)]
    message = blocks.declined_message("patchin <!here>", "unsure", suggestions, service_id="rds")
    assert action_ids(message) == ["ofin_suggest_1", "ofin_suggest_2", "ofin_suggest_3"]
    first = message["blocks"][1]["elements"][0]
    assert first["text"]["text"] == "Title 0"
    assert blocks.decode_value(first["value"])["service_id"] == "rds"
    assert "Did you mean" in message["blocks"][0]["text"]["text"]
    assert "&lt;!here&gt;" in message["blocks"][0]["text"]["text"]


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("off_topic", "I only know"),
        ("too_long", "long one"),
        ("unsure", "not sure"),
        (None, "not sure"),
    ],
)
def test_declined_without_suggestions_is_friendly_with_a_hint(reason, words):
    message = blocks.declined_message("tell me a joke", reason)
    assert words in message["blocks"][0]["text"]["text"]
    assert "I don't have an answer for “tell me a joke”" in message["text"]
    assert "`/ofin help`" in message["blocks"][1]["elements"][0]["text"]
    assert action_ids(message) == []


def test_help_message_lists_entries_and_marks_admin_ones():
    message = blocks.help_message(
        [
            {"usage": "stack <service>", "help": "The stack.", "admin": False},
            {"usage": "unanswered", "help": "Curators.", "admin": True},
        ]
    )
    text = message["blocks"][0]["text"]["text"]
    assert "• `/ofin stack &lt;service&gt;`: The stack." in text
    assert "• `/ofin unanswered`: Curators. _(admins)_" in text


def test_stack_message_marks_each_layer_with_its_owner_in_order():
    service = {
        "id": "rds",
        "name": "Amazon RDS",
        "model": "container",
        "layers": [
            {"name": "Your data", "owner": "customer", "note": ""},
            {"name": "Patching", "owner": "shared", "note": "window is yours"},
            {"name": "Hardware", "owner": "aws", "note": ""},
        ],
        "source": "https://docs.aws.amazon.com/rds/",
    }
    message = blocks.stack_message(service)
    assert "Amazon RDS" in message["blocks"][0]["text"]["text"]
    assert message["blocks"][1]["text"]["text"].splitlines() == [
        ":bust_in_silhouette: *Your data*: You",
        ":handshake: *Patching*: Shared: window is yours",
        ":cloud: *Hardware*: AWS",
    ]
    assert "docs.aws.amazon.com" in message["blocks"][2]["elements"][0]["text"]


def test_unknown_service_message_lists_known_services():
    message = blocks.unknown_service_message("<mainframe>", [{"id": "ec2"}, {"id": "s3"}])
    text = message["blocks"][0]["text"]["text"]
    assert "“&lt;mainframe&gt;”" in text
    assert "`ec2`, `s3`" in text
    assert "Which service?" in blocks.unknown_service_message(" ", [])["text"]


def test_unanswered_message():
    message = blocks.unanswered_message([("what <!here>", 3), ("joke", 1)])
    lines = message["blocks"][0]["text"]["text"].splitlines()
    assert lines[1:] == ["1. “what &lt;!here&gt;” ×3", "2. “joke” ×1"]
    assert "No declined questions" in blocks.unanswered_message([])["text"]


def test_notice_and_error_messages():
    refusal = blocks.notice_message("Admins only <!channel>", "refusal")
    assert refusal["blocks"][0]["text"]["text"] == ":no_entry: Admins only &lt;!channel&gt;"
    assert refusal["text"] == "Admins only &lt;!channel&gt;"
    assert "something went wrong" in blocks.error_message()["text"]


def test_home_view_takes_extra_sections_after_a_divider():
    plain = blocks.home_view()
    assert plain["type"] == "home"
    assert "/ofin help" in texts(plain)
    extra = [{"type": "section", "text": {"type": "mrkdwn", "text": "Your stats"}}]
    view = blocks.home_view([extra, []])
    assert view["blocks"][: len(plain["blocks"])] == plain["blocks"]
    assert view["blocks"][len(plain["blocks"]) :] == [{"type": "divider"}, *extra]


def test_long_text_is_clipped_to_slack_limits():
    message = blocks.answer_card({**CARD, "explanation": "x" * 5000}, shareable=False)
    assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if b["type"] == "section")


def test_depends_message_lists_each_layer_with_its_owner_and_offers_the_parts():
    from slack_sdk.models.blocks import Block

    message = blocks.depends_message(
        "who patches <b>lambda</b>?",
        [
            {"what": "Your function code and its dependencies", "owner": "customer"},
            {"what": "The managed runtime", "owner": "aws"},
        ],
        [{"id": "lambda-function-code", "title": "Function code"}],
        service_name="AWS Lambda",
        service_id="lambda",
        confidence=48,
    )
    text = texts(message)
    assert "It depends, layer by layer" in message["text"]
    assert "Your function code and its dependencies: *You*" in text
    assert "The managed runtime: *AWS*" in text
    shown = message["blocks"][0]["text"]["text"]
    assert "&lt;b&gt;" in shown and "<b>" not in shown
    assert action_ids(message) == ["ofin_suggest_1"]
    assert all(Block.parse(b) is not None for b in message["blocks"])
