"""Small pure pieces of the listeners: mention stripping, message filtering, home sections."""

from __future__ import annotations

import pytest

from bot.slack.context import is_direct_message
from bot.slack.listeners import digest, events, home, quiz


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@UBOT> who patches ec2?", "who patches ec2?"),
        ("<@UBOT|ofin>: who patches ec2?", "who patches ec2?"),
        ("  <@UBOT>, <@UBOT> hi", "hi"),
        ("who asked <@UBOB>?", "who asked <@UBOB>?"),  # only a leading mention is the address
        ("<@UBOT>", ""),
        ("", ""),
    ],
)
def test_strip_mention(text, expected):
    assert events.strip_mention(text) == expected


@pytest.mark.parametrize(
    ("event", "person"),
    [
        ({"user": "U1", "text": "hi"}, True),
        ({"user": "U1", "bot_id": "B1", "text": "hi"}, False),
        ({"bot_id": "B1", "subtype": "bot_message"}, False),
        ({"user": "U1", "subtype": "message_changed"}, False),
        ({"user": "U1", "subtype": "message_deleted"}, False),
        ({"subtype": "message_changed", "message": {"user": "U1"}}, False),
    ],
)
def test_only_people_are_answered(event, person):
    assert events.is_from_a_person(event) is person


def test_home_sections_in_order_and_a_failing_one_is_left_out(caplog):
    def stats(core, user_id):
        return [{"type": "section", "text": {"type": "mrkdwn", "text": f"stats for {user_id}"}}]

    def broken(core, user_id):
        raise RuntimeError("no scores table")

    sections = home.extra_sections(None, "U1", (stats, broken, stats))
    assert sections == [stats(None, "U1"), stats(None, "U1")]
    assert "home section broken failed" in caplog.text


def test_the_home_tab_shows_weak_spots_then_the_quiz():
    assert (digest.home_weak_spots, quiz.home_quiz) == home.SECTIONS


@pytest.mark.parametrize(
    ("channel_id", "direct"), [("D0123", True), ("C0123", False), ("G0123", False), (None, False)]
)
def test_only_slacks_dm_ids_make_a_direct_caller(channel_id, direct):
    assert is_direct_message(channel_id) is direct
