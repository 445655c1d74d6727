"""Log lines for people (text, the default) or for a log pipeline (OFIN_LOG_FORMAT=json).

Both formats carry the same records. A record may hold structured fields in ``extra={"ofin":
{...}}`` (the request and scheduler lines do): the text format shows the message, which already
names them; the JSON format adds them as keys. Errors keep their traceback (a multi-line block
in text, one ``traceback`` string in JSON). Slack tokens and the configured secrets are masked in
every line, whatever the level.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

FIELDS = "ofin"  # the ``extra`` key of a record's structured fields
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_TOKENS = re.compile(r"\b(xox[abposr]|xapp)-[A-Za-z0-9-]+")


class Masking:
    """Masks Slack tokens (by their shape) and the given secrets (by value) in a formatted line."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self.secrets = tuple(s for s in secrets if s and len(s) >= 6)

    def __call__(self, line: str) -> str:
        line = _TOKENS.sub(lambda m: f"{m.group(1)}-<redacted>", line)
        for secret in self.secrets:
            line = line.replace(secret, "<redacted>")
        return line


class TextFormatter(logging.Formatter):
    """The human format: time, level, logger, message (and a traceback under it)."""

    def __init__(self, mask: Masking | None = None) -> None:
        super().__init__(TEXT_FORMAT)
        self.mask = mask or Masking()

    def format(self, record: logging.LogRecord) -> str:
        return self.mask(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the record's fields, traceback."""

    def __init__(self, mask: Masking | None = None) -> None:
        super().__init__()
        self.mask = mask or Masking()

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, dict):
            line.update({k: v for k, v in fields.items() if k not in line})
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["traceback"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return self.mask(json.dumps(line, ensure_ascii=False, default=str))


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of each line (never a closed old one)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def make_handler(fmt: str, secrets: Iterable[str | None] = ()) -> logging.Handler:
    """A stderr handler in ``fmt`` ("text" or "json") that masks tokens and ``secrets``."""
    handler = StderrHandler()
    mask = Masking(secrets)
    handler.setFormatter(JsonFormatter(mask) if fmt == "json" else TextFormatter(mask))
    return handler


def fields_of(record: logging.LogRecord) -> dict[str, object]:
    """A record's structured fields (empty when it has none)."""
    fields = getattr(record, FIELDS, None)
    return dict(fields) if isinstance(fields, dict) else {}
