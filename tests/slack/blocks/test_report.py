"""The report's Block Kit, as plain dicts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from slack_sdk.models.blocks import Block

from bot.slack.blocks.report import (
    ACTION_DOWNLOAD,
    MAX_PEOPLE,
    decode_download,
    encode_download,
    report_message,
)
from bot.training.periods import parse_period
from bot.training.report import CategoryRow, PersonRow, Report


def make_report(people: int, silent: int = 2, forgotten: int = 1) -> dict:
    period = parse_period("2026-Q4", datetime(2026, 12, 1, tzinfo=UTC))
    rows = tuple(
        PersonRow(f"U{n:04d}", 10, 2, 9, 5, "2026-10-01T09:00:00Z", "2026-12-01T09:00:00Z", 3)
        for n in range(people)
    )
    return Report(
        period=period,
        channel_id="C123",
        generated_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
        workspace="T1",
        people=rows,
        categories=(CategoryRow("identity", 40, 30, 4), CategoryRow("network", 0, 0, 0)),
        inactive=tuple(f"UQ{n}" for n in range(silent)),
        members_source="slack",
        categories_total=15,
        forgotten=forgotten,
    ).to_dict()


def test_report_message_shows_the_figures():
    message = report_message(make_report(3))
    text = json.dumps(message, ensure_ascii=False)
    assert message["blocks"][0]["text"]["text"] == "Training report 2026-Q4"
    assert "<#C123>" in text and "<@U0001>" in text and "<@UQ1>" in text
    assert "75% right" in text  # identity 30/40
    assert "`network` — right" in text  # no answers: a dash, not 0%
    assert "1 person asked to be forgotten" in text
    assert "3 people answered 36 questions" in message["text"]


def test_a_big_team_stays_within_slack_limits():
    message = report_message(make_report(500, silent=300))
    assert len(message["blocks"]) <= 50
    for block in message["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
    text = json.dumps(message, ensure_ascii=False)
    assert f"and {500 - MAX_PEOPLE} more: *Download* sends everyone" in text
    assert "and 240 more" in text
    assert all(Block.parse(b) is not None for b in message["blocks"])
    assert message["blocks"][-1]["elements"][0]["action_id"] == ACTION_DOWNLOAD


def test_the_download_value_carries_the_period_and_channel_only():
    message = report_message(make_report(3))
    value = message["blocks"][-1]["elements"][0]["value"]
    assert decode_download(value) == ("2026-Q4", "C123")
    assert "U0001" not in value
    assert decode_download(encode_download("2026-12", None)) == ("2026-12", None)
    for forged in ("[]", '{"p": 1}', '{"p": "2026-Q4", "c": "C1;drop"}', "x" * 300):
        with pytest.raises(ValueError):
            decode_download(forged)
