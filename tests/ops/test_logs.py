"""Log formats: JSON lines with the record's fields and its traceback; tokens and secrets masked."""

from __future__ import annotations

import json
import logging

from bot.ops.logs import FIELDS, JsonFormatter, Masking, TextFormatter


def record(msg: str, *args: object, exc_info=None, **fields: object) -> logging.LogRecord:
    rec = logging.LogRecord("ofin.test", logging.INFO, __file__, 1, msg, args, exc_info)
    if fields:
        setattr(rec, FIELDS, fields)
    return rec


def test_a_json_line_has_the_message_and_the_fields():
    line = json.loads(JsonFormatter().format(record("%s request", "command", outcome="answered")))
    assert line["message"] == "command request"
    assert line["outcome"] == "answered"
    assert line["level"] == "INFO" and line["logger"] == "ofin.test"
    assert line["time"].endswith("+00:00")


def test_an_error_keeps_its_traceback_in_both_formats():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        exc = sys.exc_info()
    line = json.loads(JsonFormatter().format(record("failed", exc_info=exc)))
    assert "Traceback" in line["traceback"] and "ValueError: boom" in line["traceback"]
    assert "\n" not in JsonFormatter().format(record("failed", exc_info=exc))  # one line
    text = TextFormatter().format(record("failed", exc_info=exc))
    assert "Traceback" in text and "ValueError: boom" in text


def test_tokens_and_secrets_are_masked_whatever_the_format():
    mask = Masking(["signing-secret-123"])
    message = "token xoxb-1234-5678-abcdEF and xapp-1-A0-99 and signing-secret-123"
    for formatter in (JsonFormatter(mask), TextFormatter(mask)):
        out = formatter.format(record(message))
        assert "xoxb-1234" not in out and "xapp-1-A0" not in out
        assert "signing-secret-123" not in out
        assert "xoxb-<redacted>" in out


def test_short_secrets_are_not_masked_everywhere():
    # A one-letter "secret" would blank every matching letter of every line.
    assert Masking(["a"])("a cat") == "a cat"
