"""The repositories' SQL, written once for SQLite, as PostgreSQL reads it.

The repositories write portable SQL wherever both engines agree (``ON CONFLICT … DO UPDATE``,
window functions, ``COALESCE``); what SQLite spells its own way is rewritten here, one rule per
difference, so each statement has one text in bot/store/ and runs on both engines:

- parameters: ``?`` -> ``%s`` and ``:name`` -> ``%(name)s`` (a literal ``%`` doubles);
- ``INSERT OR IGNORE`` -> ``INSERT … ON CONFLICT DO NOTHING``: any unique constraint refuses
  the row quietly, as SQLite's does (claims, first answers, daily slots, digests, reminders);
- ``[name]`` (SQLite's quoted identifier) -> ``"name"``;
- ``INDEXED BY idx`` (a hint for SQLite's planner) goes: PostgreSQL's planner chooses itself;
- ``json_each(x)`` -> ``json_array_elements_text(CAST(x AS json))`` (a list of ids as JSON);
- ``CAST(julianday(a) - julianday(b) AS INTEGER)`` (whole days between two stored timestamps)
  -> the same from ``EXTRACT(EPOCH …)``.

``UPDATE OR IGNORE`` has no PostgreSQL spelling; bot/store/postgres.py runs it row by row.
Text inside single quotes is never touched.
"""

from __future__ import annotations

import re

_LITERAL = re.compile(r"('(?:[^']|'')*')")
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_BRACKETED = re.compile(r"\[(\w+)\]")
_INDEXED_BY = re.compile(r"\s+INDEXED BY \w+", re.IGNORECASE)
_JSON_EACH = re.compile(r"json_each\(([^()]+)\)", re.IGNORECASE)
_DAYS = re.compile(
    r"CAST\(\s*julianday\(([\w.]+)\)\s*-\s*julianday\(([\w.]+)\)\s+AS INTEGER\s*\)", re.IGNORECASE
)
_OR_IGNORE = re.compile(r"^(\s*)INSERT OR IGNORE INTO", re.IGNORECASE)
_RETURNING = re.compile(r"\s+RETURNING\s+[\w, ]+\s*$", re.IGNORECASE)


def to_postgres(sql: str) -> str:
    """``sql`` (the repositories' SQLite text) as PostgreSQL runs it, with psycopg's parameters."""
    parts = _LITERAL.split(sql)
    for i, part in enumerate(parts):
        if i % 2:  # a quoted literal: only psycopg's % needs escaping
            parts[i] = part.replace("%", "%%")
            continue
        part = _BRACKETED.sub(r'"\1"', part)
        part = _INDEXED_BY.sub("", part)
        part = _JSON_EACH.sub(r"json_array_elements_text(CAST(\1 AS json))", part)
        part = _DAYS.sub(
            r"CAST(TRUNC(EXTRACT(EPOCH FROM CAST(\1 AS timestamptz) - CAST(\2 AS timestamptz))"
            r" / 86400) AS INTEGER)",
            part,
        )
        # Parameters last: the rules above must not see psycopg's %(name)s.
        part = part.replace("%", "%%").replace("?", "%s")
        parts[i] = _NAMED.sub(r"%(\1)s", part)
    text = "".join(parts)
    if _OR_IGNORE.match(text):
        text = _OR_IGNORE.sub(r"\1INSERT INTO", text, count=1)
        returning = _RETURNING.search(text)
        tail = returning.group(0) if returning else ""
        body = text[: len(text) - len(tail)].rstrip()
        text = f"{body} ON CONFLICT DO NOTHING{tail}"
    return text


#: ``UPDATE OR IGNORE table SET … WHERE …`` in its parts (PostgreSQL runs it row by row).
UPDATE_OR_IGNORE = re.compile(
    r"^\s*UPDATE OR IGNORE\s+(\S+)\s+SET\s+(.+?)\s+WHERE\s+(.+?)\s*$", re.IGNORECASE | re.DOTALL
)
