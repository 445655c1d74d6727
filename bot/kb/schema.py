"""Check a knowledge file against its format (schema.yaml) and say what is wrong at file:line.

The formats are JSON Schema, kept in ``schema.yaml`` beside this module; jsonschema finds the
errors, and this module words them for a curator at the line of the YAML node each error's path
leads to (``Document.line``). The schema's own ``x-*`` keywords choose the words; the header of
schema.yaml lists them.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml

from bot.cache_folder import cache_dir
from bot.kb.model import Problem
from bot.kb.suggest import unknown
from bot.kb.yamldoc import Document, describe

if TYPE_CHECKING:  # jsonschema is imported when a file is validated, not when marks say clean
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_PATH = Path(__file__).with_name("schema.yaml")
FILE_KINDS = ("items_file", "services_file", "areas_file", "english_file", "glossary_file")

_TYPE_NAMES = {
    "string": "a string",
    "array": "a list",
    "object": "a mapping",
    "integer": "a number",
    "number": "a number",
    "boolean": "true or false",
}
# Problems on one line read in this order: unknown keys, then missing keys, then wrong values.
_RANK = {"additionalProperties": 0, "required": 1}


@functools.cache
def schema() -> dict[str, Any]:
    """The knowledge files' JSON Schema, read once."""
    with SCHEMA_PATH.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


@functools.cache
def _schema_digest() -> str:
    return hashlib.blake2b(SCHEMA_PATH.read_bytes(), digest_size=8).hexdigest()


def _mark(kind: str, digest: str) -> Path:
    return cache_dir() / _MARKS_FOLDER / f"{kind}-{digest}-{_schema_digest()}"


def _remember_clean(kind: str, digest: str) -> None:
    """Mark a clean file for the next process (best effort: a read-only cache only costs time)."""
    mark = _mark(kind, digest)
    try:
        mark.parent.mkdir(parents=True, exist_ok=True)
        mark.touch()
        marks = sorted(mark.parent.iterdir(), key=lambda path: path.stat().st_mtime)
        for stale in marks[: max(0, len(marks) - _MARKS_KEPT)]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass


@functools.cache
def _validator(kind: str) -> Draft202012Validator:
    """A validator of one kind of file: the definition ``kind`` with every ``$ref`` inlined.

    Inlined, because resolving thousands of references took most of the validation's time; the
    schema has no cycles, so inlining ends.
    """
    defs = schema()["$defs"]
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_inline(defs[kind], defs))


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with each ``{$ref: "#/$defs/x", ...}`` replaced by ``x``'s definition (merged)."""
    if isinstance(node, list):
        return [_inline(entry, defs) for entry in node]
    if not isinstance(node, dict):
        return node
    inlined = {key: _inline(value, defs) for key, value in node.items() if key != "$ref"}
    if "$ref" in node:
        target = _inline(defs[node["$ref"].removeprefix("#/$defs/")], defs)
        inlined = {**target, **inlined}
    return inlined


# Files already found clean, by kind and digest: tests and tools load the same knowledge base many
# times, and validating it is most of the time a load takes. Within a process, a set; across
# processes (`ask` from a fresh process), an empty file per clean file in the cache folder, named
# by the file's and the schema's digests, so an edit of either checks again.
_CLEAN: set[tuple[str, str]] = set()
_MARKS_FOLDER = "kb-clean"
_MARKS_KEPT = 256


def check(doc: Document, kind: str) -> list[Problem]:
    """Every way ``doc`` breaks the format of ``kind`` (one of FILE_KINDS), in line order."""
    if doc.digest and ((kind, doc.digest) in _CLEAN or _mark(kind, doc.digest).exists()):
        _CLEAN.add((kind, doc.digest))
        return []
    errors = list(_validator(kind).iter_errors(doc.data))
    if not errors and doc.digest:
        _CLEAN.add((kind, doc.digest))
        _remember_clean(kind, doc.digest)
    wrong_type = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    found: list[_Found] = []
    missing_done: set[tuple[str | int, ...]] = set()
    for error in errors:
        path = tuple(error.absolute_path)
        if "propertyNames" in error.relative_schema_path:  # about a key: point at the key
            path = (*path, error.instance)
        if error.validator != "type" and path in wrong_type:
            continue  # "must be a string" says it all; "unknown owner" would only repeat it
        if error.validator == "required":
            if path in missing_done:  # jsonschema reports each missing key; we list them all
                continue
            missing_done.add(path)
        doc.invalid.add(path)
        found += _explain(doc, error, path)
    found.sort(key=lambda f: (f.line, f.rank, f.position))
    return [Problem(doc.file, f.line, f.message) for f in found]


class _Found(NamedTuple):
    line: int
    rank: int
    position: tuple[int, int]  # where in the file, then which of several at one place
    message: str


def _explain(doc: Document, error: ValidationError, path: tuple[str | int, ...]) -> list[_Found]:
    """The error in a curator's words, at its line."""
    sub: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    node = doc.node(path)
    where = node.start_mark.index if node is not None else 0
    on_key = "propertyNames" in error.relative_schema_path
    line = doc.key_line(path) if on_key else doc.line(path)
    keyword = str(error.validator)
    instance: Any = error.instance  # jsonschema types these as "maybe unset"; an error has both
    rule: Any = error.validator_value
    if keyword == "additionalProperties":
        allowed = list(sub.get("properties", {}))
        keys = [k for k in instance if k not in allowed]
        template = sub.get("x-unknown-key")
        return [
            _Found(
                doc.key_line((*path, key)),
                0,
                (where, i),
                Template(template).safe_substitute(key=key)
                if template
                else unknown("key", str(key), allowed)
                if allowed
                else f"unknown key '{key}'",
            )
            for i, key in enumerate(keys)
        ]
    if keyword == "required":
        required = list(rule)
        messages = sub.get("x-missing", {})
        return [
            _Found(line, _RANK["required"], (where, i), messages.get(key, f"missing key '{key}'"))
            for i, key in enumerate(required)
            if key not in instance
        ]
    what = sub.get("x-what") or _what(path)
    value = instance
    if keyword == "type" and value is not None:
        expected = _expected(rule)
        template = sub.get("x-type-error", f"$what must be {expected}, not $found")
        message = Template(template).safe_substitute(what=what, found=describe(node))
    elif keyword in ("type", "minLength", "minItems"):  # null, blank or too few: "empty"
        message = Template(sub.get("x-empty", "$what must not be empty")).safe_substitute(what=what)
    elif keyword == "pattern":
        template = sub.get("x-invalid", "$what '$value' is not valid")
        message = Template(template).safe_substitute(what=what, value=value)
    elif keyword == "enum":
        message = unknown(sub.get("x-noun", "value"), str(value), list(rule))
    else:  # a keyword schema.yaml does not use yet: jsonschema's own words
        message = f"{what}: {error.message}"
    return [_Found(line, _RANK.get(keyword, 2), (where, 0), message)]


def _what(path: tuple[str | int, ...]) -> str:
    """How a value is named from where it is: 'key', or "each entry of 'key'" in a list."""
    if not path:
        return "the file"
    last = path[-1]
    if isinstance(last, int):
        parent = next((p for p in reversed(path) if isinstance(p, str)), "the list")
        return f"each entry of '{parent}'"
    return f"'{last}'"


def _expected(types: str | Iterable[str]) -> str:
    """ "a string", "a list"...: the first type a value may have, null aside."""
    names = [types] if isinstance(types, str) else [t for t in types if t != "null"]
    return _TYPE_NAMES.get(names[0], names[0]) if names else "empty"
