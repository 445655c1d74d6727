"""Read one YAML file into plain data that remembers the line of every value.

A schema validates plain data (dicts, lists, strings); a curator needs ``file:line``. A
``Document`` holds both: the data, and the YAML node of every path in it, so a problem found at a
path (by the schema or by a check across files) is reported at the line where the value was
written. What only the YAML can show is reported here: bad YAML, text that is not UTF-8, a key
given twice, a key that is not text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.kb.model import Problem

try:  # libyaml's composer is several times faster, and its nodes keep their marks too
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

Path_ = tuple[str | int, ...]  # where a value is: keys and list indexes from the top

_TAG = "tag:yaml.org,2002:"
_STR_TAG = _TAG + "str"
_KIND_BY_TAG = {
    _TAG + "str": "a string",
    _TAG + "null": "an empty value",
    _TAG + "bool": "a true/false value",
    _TAG + "int": "a number",
    _TAG + "float": "a number",
    _TAG + "timestamp": "a date",
}
_CONSTRUCTOR = SafeConstructor()


class Opaque:
    """A scalar YAML could not turn into a plain value (an unknown tag): never valid anywhere."""


@dataclass
class Document:
    """One file's data, the node of every value in it, and the problems found reading it."""

    file: str  # as reported: relative to the working directory when inside it
    data: object = None
    readable: bool = False
    digest: str = ""  # of the file's bytes: the same bytes check the same
    problems: list[Problem] = field(default_factory=list)
    invalid: set[Path_] = field(default_factory=set)  # where the schema found a wrong value
    _nodes: dict[Path_, Node] = field(default_factory=dict)
    _keys: dict[Path_, Node] = field(default_factory=dict)

    def node(self, path: Path_) -> Node | None:
        """The YAML node of the value at ``path`` (None for the root of an empty file)."""
        return self._nodes.get(tuple(path))

    def line(self, path: Path_) -> int:
        """The line of the value at ``path``; the nearest enclosing value's when it is absent."""
        path = tuple(path)
        while path and path not in self._nodes:
            path = path[:-1]
        node = self._nodes.get(path)
        return node.start_mark.line + 1 if node is not None else 1

    def key_line(self, path: Path_) -> int:
        """The line of the key of the mapping entry at ``path`` (where an unknown key is)."""
        key = self._keys.get(tuple(path))
        return key.start_mark.line + 1 if key is not None else self.line(path)

    def text(self, path: Path_, value: object) -> str | None:
        """``value`` when it is text the schema accepted at ``path``, else None."""
        if isinstance(value, str) and value and tuple(path) not in self.invalid:
            return value
        return None

    def report(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))


def read(path: Path, file: str) -> Document:
    """Read ``path`` (named ``file`` in problems); ``readable`` is False when it cannot be."""
    doc = Document(file)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        doc.report(1, f"cannot read the file: {exc.strerror}")
        return doc
    doc.digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        doc.report(raw.count(b"\n", 0, exc.start) + 1, "not UTF-8 text")
        return doc
    try:
        root = yaml.compose(text, Loader=_YamlLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        doc.report(line, _yaml_message(exc, text.splitlines()[line - 1 : line]))
        return doc
    except yaml.YAMLError as exc:
        doc.report(1, f"invalid YAML: {exc}")
        return doc
    doc.readable = True
    doc.data = _plain(doc, root, ()) if root is not None else None
    return doc


def describe(node: Node | None) -> str:
    """What a value is, in words: "a string", "a list", "a mapping", "a number"..."""
    if node is None:
        return "an empty value"
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return _KIND_BY_TAG.get(node.tag, f"a value tagged {node.tag}")


MAX_DEPTH = 32  # the knowledge files nest six levels deep; anything deeper is a mistake


def _plain(doc: Document, node: Node, path: Path_, above: frozenset[int] = frozenset()) -> object:
    """The node as plain data (strings stripped), recording the node of every path.

    ``above`` holds the nodes this one is inside, so an anchor that contains its own alias is
    reported instead of followed forever.
    """
    doc._nodes[path] = node
    if id(node) in above or len(path) > MAX_DEPTH:
        why = "refers to itself" if id(node) in above else f"is nested more than {MAX_DEPTH} deep"
        doc.report(node.start_mark.line + 1, f"this value {why}")
        return None
    if isinstance(node, MappingNode | SequenceNode):
        above = above | {id(node)}
    if isinstance(node, MappingNode):
        mapping: dict[str, object] = {}
        for key_node, value_node in node.value:
            key = _key(doc, key_node)
            if key is None:
                continue
            if key in mapping:
                doc.report(key_node.start_mark.line + 1, f"duplicate key '{key}'")
                continue
            doc._keys[(*path, key)] = key_node
            mapping[key] = _plain(doc, value_node, (*path, key), above)
        return mapping
    if isinstance(node, SequenceNode):
        return [_plain(doc, entry, (*path, i), above) for i, entry in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    if node.tag == _STR_TAG:
        return node.value.strip()
    try:
        return _CONSTRUCTOR.construct_object(node)
    except (ConstructorError, ValueError):
        return Opaque()


def _key(doc: Document, node: Node) -> str | None:
    """A mapping key as written; None (reported) when it is a list, a mapping or empty."""
    if isinstance(node, ScalarNode) and node.tag != _TAG + "null":
        return str(node.value)  # `yes:` or `2024:` read as text to a curator, not as YAML 1.1
    doc.report(node.start_mark.line + 1, f"a key must be text, not {describe(node)}")
    return None


def _yaml_message(exc: yaml.MarkedYAMLError, offending_line: list[str]) -> str:
    """The parser's complaint in one line, with where the broken construct started."""
    message = f"invalid YAML: {exc.problem or exc.context or 'syntax error'}"
    if exc.problem and exc.context:
        started, found = exc.context_mark, exc.problem_mark
        if started is not None and not (found and found.line == started.line):
            message += f" ({exc.context} at line {started.line + 1})"
    if any("\t" in text[: len(text) - len(text.lstrip())] for text in offending_line):
        message += "; indent with spaces, not tabs"
    return message


def entries(data: object, key: str) -> Iterator[tuple[int, dict[str, object]]]:
    """The (index, mapping) entries of the top-level ``key:`` list; other values are skipped."""
    top = data.get(key) if isinstance(data, dict) else None
    if isinstance(top, list):
        for index, entry in enumerate(top):
            if isinstance(entry, dict):
                yield index, entry
