"""Load and validate the curated YAML knowledge base into typed, immutable records.

The knowledge base is a folder of YAML files (default: ``knowledge/`` at the project root):
every file in its ``services/`` folder holds a ``services:`` list (each service with its own matrix
``areas:`` and IaC ``resource_types:``), ``areas.yaml`` the matrix's ``areas:`` list, and every
other file an ``items:`` list. See README.md ("The knowledge base") for the format.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.kb.model import (
    CATEGORIES,
    IAC_TOOLS,
    SERVICE_MODELS,
    Area,
    Item,
    KnowledgeBase,
    KnowledgeError,
    Problem,
    QuizQuestion,
    ResourceType,
    Service,
    ServiceOwner,
    StackLayer,
    normalize_alias,
)
from bot.kb.owners import OWNERS

try:  # libyaml's composer is several times faster, and its nodes keep their marks too
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "knowledge"


# --------------------------------------------------------------------------------------------
# Loading: YAML files -> node trees (with line marks) -> checked records, every problem collected.

SERVICES_DIR = "services"
AREAS_STEM = "areas"
YAML_SUFFIXES = (".yaml", ".yml")

_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_HTTPS_URL_RE = re.compile(r"https://[^\s/?#@]+(?:[/?#]\S*)?")
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

_ITEM_REQUIRED = ("id", "title", "owner", "category", "explanation")
_ITEM_OPTIONAL = ("aliases", "services", "sources", "quiz")
_QUIZ_REQUIRED = ("question", "answer", "explanation")
_QUIZ_OPTIONAL = ("choices", "service")
_SERVICE_REQUIRED = ("id", "name", "model")
_SERVICE_OPTIONAL = ("aliases", "sources", "stack", "areas", "resource_types")
_SERVICE_OWNER_KEYS = ("owner", "note")
_STACK_REQUIRED = ("layer", "owner")
_STACK_OPTIONAL = ("note",)


def format_problems(problems: Sequence[Problem]) -> str:
    """Every problem as ``file:line: message``, one a line, then how many there are."""
    count = len(problems)
    return "\n".join([*(str(p) for p in problems), f"{count} problem{'' if count == 1 else 's'}"])


def load(path: Path | str = DEFAULT_DIR) -> KnowledgeBase:
    """Load and validate the knowledge base at ``path``; raise KnowledgeError listing every problem.

    ``path`` is a folder (every ``*.yaml`` / ``*.yml`` file in it and in its ``services/``
    folder, in name order, hidden files skipped) or a single file. A single items file is checked
    against the ``services/`` folder beside it when there is one (so ``knowledge/storage.yaml`` is
    checked with ``knowledge/services/``); a single services file (or ``areas.yaml``) is checked on
    its own. Raise FileNotFoundError when ``path`` does not exist.
    """
    layout = _layout(Path(path))
    problems: list[Problem] = []
    services = [
        parsed
        for file in layout.service_files
        for parsed in _read_entries(file, "services", _parse_service, problems)
    ]
    areas = [
        parsed
        for file in layout.area_files
        for parsed in _read_entries(file, "areas", _parse_area, problems)
    ]
    items = [
        parsed
        for file in layout.item_files
        for parsed in _read_entries(file, "items", _parse_item, problems)
    ]
    resource_types = [parsed for service in services for parsed in service.types]
    problems += _check_services(services)
    problems += _check_items(items)
    problems += _check_service_refs(items, services, layout)
    problems += _check_resource_types(resource_types)
    if layout.is_folder:  # areas read items of every file: check them on the whole folder only
        problems += _check_areas(areas, items, services)
    if layout.is_folder and not items and not problems:
        problems.append(
            Problem(display_path(layout.root), 0, "no items found (no *.yaml with items:)")
        )
    if problems:
        raise KnowledgeError(sorted(dict.fromkeys(problems), key=lambda p: (p.file, p.line)))
    return KnowledgeBase(
        items=tuple(parsed.item for parsed in items),
        services=tuple(parsed.service for parsed in services),
        areas=_with_service_choices(areas, services),
        resource_types=tuple(parsed.type for parsed in resource_types),
    )


def load_or_report(path: Path | str = DEFAULT_DIR, *, why: str = "") -> KnowledgeBase | None:
    """Load the knowledge base, or print every problem to stderr and return None.

    ``why`` follows "has problems" in the first line, e.g. "; refusing to start".
    """
    try:
        return load(path)
    except KnowledgeError as exc:
        print(f"ofin: the knowledge base has problems{why}:", file=sys.stderr)
        print(format_problems(exc.problems), file=sys.stderr)
    except OSError as exc:  # FileNotFoundError for a path that does not exist
        print(f"ofin: cannot load the knowledge base: {exc}", file=sys.stderr)
    return None


def load_or_exit(path: Path | str = DEFAULT_DIR) -> KnowledgeBase:
    """Load the knowledge base, or print every problem to stderr and exit with status 1."""
    kb = load_or_report(path)
    if kb is None:
        raise SystemExit(1)
    return kb


# ---- where the files are


@dataclass(frozen=True)
class _Layout:
    """The files that make up one knowledge base."""

    root: Path
    is_folder: bool
    service_files: tuple[Path, ...]
    area_files: tuple[Path, ...]
    item_files: tuple[Path, ...]
    services_dir: Path  # where the services are expected, for the "missing" message


def _yaml_files(folder: Path) -> tuple[Path, ...]:
    """The visible ``*.yaml`` / ``*.yml`` files directly in ``folder``, in name order."""
    if not folder.is_dir():
        return ()
    return tuple(
        sorted(
            p
            for p in folder.iterdir()
            if p.suffix in YAML_SUFFIXES and not p.name.startswith(".") and p.is_file()
        )
    )


def _is_areas_file(path: Path) -> bool:
    return path.stem == AREAS_STEM and path.suffix in YAML_SUFFIXES


def _layout(path: Path) -> _Layout:
    """Find the services, areas and items files at ``path`` (a folder or one file)."""
    if path.is_dir():
        files = _yaml_files(path)
        areas = tuple(p for p in files if _is_areas_file(p))
        items = tuple(p for p in files if not _is_areas_file(p))
        services_dir = path / SERVICES_DIR
        return _Layout(path, True, _yaml_files(services_dir), areas, items, services_dir)
    if path.is_file():
        if path.parent.name == SERVICES_DIR:
            return _Layout(path, False, (path,), (), (), path.parent)
        services_dir = path.parent / SERVICES_DIR
        if _is_areas_file(path):
            return _Layout(path, False, (), (path,), (), services_dir)
        return _Layout(path, False, _yaml_files(services_dir), (), (path,), services_dir)
    raise FileNotFoundError(f"no such file or folder: {path}")


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is inside it, else as given."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ---- reading YAML

_Parsed = TypeVar("_Parsed")


@dataclass(frozen=True)
class _Ref:
    """A name or id as written, and where: for checks across items and files."""

    text: str
    kind: str  # "id", "title", "name", "alias", "service"
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def problem(self, message: str) -> Problem:
        return Problem(self.file, self.line, message)


@dataclass
class _Sink:
    """Collects the problems of one file."""

    file: str
    problems: list[Problem]

    def report(self, at: Node | int, message: str) -> None:
        line = at if isinstance(at, int) else at.start_mark.line + 1
        self.problems.append(Problem(self.file, line, message))

    def ref(self, text: str, kind: str, node: Node) -> _Ref:
        return _Ref(text, kind, self.file, node.start_mark.line + 1)


def _read_entries(
    path: Path, key: str, parse: Callable[[_Sink, Node], _Parsed | None], problems: list[Problem]
) -> list[_Parsed]:
    """Parse each entry of the top-level ``key:`` list of one file with ``parse``."""
    sink = _Sink(display_path(path), problems)
    readable, root = _compose(sink, path)
    if not readable:
        return []
    entries = _top_list(sink, root, key)
    return [parsed for node in entries if (parsed := parse(sink, node)) is not None]


def _compose(sink: _Sink, path: Path) -> tuple[bool, Node | None]:
    """Parse one file into a YAML node tree (None when empty); report why it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        sink.report(1, f"cannot read the file: {exc.strerror}")
        return False, None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        sink.report(data.count(b"\n", 0, exc.start) + 1, "not UTF-8 text")
        return False, None
    try:
        return True, yaml.compose(text, Loader=_YamlLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        sink.report(line, _yaml_message(exc, text.splitlines()[line - 1 : line]))
    except yaml.YAMLError as exc:
        sink.report(1, f"invalid YAML: {exc}")
    return False, None


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


def _top_list(sink: _Sink, root: Node | None, key: str) -> list[Node]:
    """The entries of the file's top-level ``key:`` list."""
    if root is None:
        sink.report(1, f"empty file: expected a top-level '{key}:' list")
        return []
    if not isinstance(root, MappingNode):
        sink.report(root, f"expected a top-level '{key}:' list, not {_describe(root)}")
        return []
    values = _keys(sink, root, (key,), ())
    return _list(sink, values.get(key), f"'{key}'") or []


# ---- checking single nodes


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return _KIND_BY_TAG.get(node.tag, f"a value tagged {node.tag}")


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _TAG + "null"


def _one_of(options: Sequence[str]) -> str:
    return options[0] if len(options) == 1 else f"{', '.join(options[:-1])} or {options[-1]}"


def _closest(value: str, allowed: Sequence[str]) -> str | None:
    """The allowed value that ``value`` most likely misspells, if any."""
    import difflib  # only needed when something is wrong; keeps `ask` start-up lean

    close = difflib.get_close_matches(value.lower(), allowed, n=1, cutoff=0.6)
    return close[0] if close else None


def _unknown(what: str, value: str, allowed: Sequence[str]) -> str:
    """``unknown <what> 'value'`` with the closest allowed value, or the allowed values."""
    close = _closest(value, allowed)
    hint = f"did you mean '{close}'?" if close else f"expected {_one_of(allowed)}"
    return f"unknown {what} '{value}' ({hint})"


def _is_mapping(sink: _Sink, node: Node, what: str) -> bool:
    if isinstance(node, MappingNode):
        return True
    sink.report(node, f"{what} must be a mapping, not {_describe(node)}")
    return False


def _keys(
    sink: _Sink, node: Node, required: Sequence[str], optional: Sequence[str]
) -> dict[str, Node]:
    """The mapping's values by key; report duplicate, unknown and missing keys."""
    assert isinstance(node, MappingNode), "callers check _is_mapping first"
    allowed = (*required, *optional)
    values: dict[str, Node] = {}
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, ScalarNode) else _describe(key_node)
        if key in seen:
            sink.report(key_node, f"duplicate key '{key}'")
        elif key not in allowed:
            sink.report(key_node, _unknown("key", key, allowed))
        else:
            values[key] = value_node
        seen.add(key)
    for key in required:
        if key not in seen:
            sink.report(node, f"missing key '{key}'")
    return values


def _string(sink: _Sink, node: Node | None, what: str) -> str | None:
    """The stripped text of a non-empty string scalar; None (reported) otherwise."""
    if node is None:
        return None
    if node.tag == _STR_TAG and isinstance(node, ScalarNode):
        text = node.value.strip()
        if text:
            return text
        sink.report(node, f"{what} must not be empty")
    elif _is_null(node):
        sink.report(node, f"{what} must not be empty")
    else:
        sink.report(node, f"{what} must be a string, not {_describe(node)}")
    return None


def _list(sink: _Sink, node: Node | None, what: str) -> list[Node] | None:
    """The entries of a list (a missing or empty value is an empty list); None when not a list."""
    if node is None or _is_null(node):
        return []
    if not isinstance(node, SequenceNode):
        sink.report(node, f"{what} must be a list, not {_describe(node)}")
        return None
    return list(node.value)


def _strings(sink: _Sink, node: Node | None, key: str) -> list[tuple[str, Node]] | None:
    """The (text, node) pairs of a list of strings; None when it is not a list."""
    entries = _list(sink, node, f"'{key}'")
    if entries is None:
        return None
    pairs = ((_string(sink, entry, f"each entry of '{key}'"), entry) for entry in entries)
    return [(text, entry) for text, entry in pairs if text is not None]


def _enum(
    sink: _Sink, node: Node | None, key: str, allowed: Sequence[str], what: str
) -> str | None:
    """A string that must be one of ``allowed``."""
    value = _string(sink, node, f"'{key}'")
    if node is not None and value is not None and value not in allowed:
        sink.report(node, _unknown(what, value, allowed))
        return None
    return value


def _identifier(sink: _Sink, node: Node | None) -> str | None:
    """An id: lowercase words joined by dashes."""
    value = _string(sink, node, "'id'")
    if node is not None and value is not None and not _ID_RE.fullmatch(value):
        sink.report(
            node, f"id '{value}' must be lowercase words joined by dashes, like 'os-patching'"
        )
    return value


def _is_https_url(text: str) -> bool:
    return _HTTPS_URL_RE.fullmatch(text) is not None


def _sources(sink: _Sink, node: Node | None, owner: Node, what: str) -> tuple[str, ...]:
    """The https URLs under ``sources:``; at least one is required."""
    entries = _strings(sink, node, "sources")
    if entries is None:
        return ()
    if not entries and not (node is not None and isinstance(node, SequenceNode) and node.value):
        sink.report(node if node is not None else owner, f"{what} has no source")
    for text, entry in entries:
        if not _is_https_url(text):
            sink.report(entry, f"source '{text}' is not an https URL")
    return tuple(text for text, _ in entries)


# ---- items


@dataclass(frozen=True)
class _ParsedItem:
    """An item, with where its id, names and service references were written."""

    item: Item
    id: _Ref | None
    names: tuple[_Ref, ...]  # title, then aliases
    service_refs: tuple[_Ref, ...]


def _parse_item(sink: _Sink, node: Node) -> _ParsedItem | None:
    """Check one entry of an ``items:`` list and build its Item."""
    if not _is_mapping(sink, node, "each item"):
        return None
    values = _keys(sink, node, _ITEM_REQUIRED, _ITEM_OPTIONAL)
    item_id = _identifier(sink, values.get("id"))
    title = _string(sink, values.get("title"), "'title'")
    aliases = _strings(sink, values.get("aliases"), "aliases") or []
    service_owners, service_refs = _service_owners(sink, values.get("services"))
    quiz, quiz_refs = _quiz(sink, values.get("quiz"), node, item_id or "")
    item = Item(
        id=item_id or "",
        title=title or "",
        owner=_enum(sink, values.get("owner"), "owner", OWNERS, "owner") or "",
        category=_enum(sink, values.get("category"), "category", CATEGORIES, "category") or "",
        explanation=_string(sink, values.get("explanation"), "'explanation'") or "",
        aliases=tuple(text for text, _ in aliases),
        sources=_sources(sink, values.get("sources"), node, "item"),
        quiz=quiz,
        services=MappingProxyType(service_owners),
        file=sink.file,
        line=node.start_mark.line + 1,
    )
    names = [sink.ref(text, "alias", alias) for text, alias in aliases]
    if title is not None:
        names.insert(0, sink.ref(title, "title", values["title"]))
    return _ParsedItem(
        item=item,
        id=sink.ref(item_id, "id", values["id"]) if item_id is not None else None,
        names=tuple(names),
        service_refs=(*service_refs, *quiz_refs),
    )


def _service_owners(sink: _Sink, node: Node | None) -> tuple[dict[str, ServiceOwner], list[_Ref]]:
    """The item's ``services:`` map (service id -> {owner, note}) and where each id was written."""
    if node is None or _is_null(node):
        return {}, []
    if not isinstance(node, MappingNode):
        sink.report(
            node,
            f"'services' must be a mapping of service id to {{owner, note}}, not {_describe(node)}",
        )
        return {}, []
    owners: dict[str, ServiceOwner] = {}
    refs: list[_Ref] = []
    for key_node, value_node in node.value:
        service_id = _string(sink, key_node, "a service id under 'services'")
        if service_id is None:
            continue
        if any(ref.text == service_id for ref in refs):
            sink.report(key_node, f"duplicate key '{service_id}'")
            continue
        refs.append(sink.ref(service_id, "service", key_node))
        if not isinstance(value_node, MappingNode):
            sink.report(
                value_node,
                f"'{service_id}' must be a mapping like {{owner: aws, note: "
                f"...}}, not {_describe(value_node)}",
            )
            continue
        values = _keys(sink, value_node, _SERVICE_OWNER_KEYS, ())
        owners[service_id] = ServiceOwner(
            owner=_enum(sink, values.get("owner"), "owner", OWNERS, "owner") or "",
            note=_string(sink, values.get("note"), "'note'") or "",
        )
    return owners, refs


def _quiz(
    sink: _Sink, node: Node | None, item_node: Node, item_id: str
) -> tuple[tuple[QuizQuestion, ...], list[_Ref]]:
    """The item's quiz questions (at least one) and their service references."""
    entries = _list(sink, node, "'quiz'")
    if entries is None:
        return (), []
    if not entries:
        sink.report(node if node is not None else item_node, "item has no quiz question")
    questions: list[QuizQuestion] = []
    refs: list[_Ref] = []
    for number, entry in enumerate(entries, start=1):
        question, ref = _parse_question(sink, entry, item_id, number)
        if question is not None:
            questions.append(question)
        if ref is not None:
            refs.append(ref)
    return tuple(questions), refs


def _parse_question(
    sink: _Sink, node: Node, item_id: str, number: int
) -> tuple[QuizQuestion | None, _Ref | None]:
    """Check one quiz question; its id is "<item id>#<number>"."""
    if not _is_mapping(sink, node, "each quiz question"):
        return None, None
    values = _keys(sink, node, _QUIZ_REQUIRED, _QUIZ_OPTIONAL)
    answer = _string(sink, values.get("answer"), "'answer'")
    choices = _choices(sink, values.get("choices"))
    if answer is not None and choices is not None and answer not in choices:
        sink.report(
            values["answer"], f"answer '{answer}' is not among the choices ({', '.join(choices)})"
        )
    service = _string(sink, values.get("service"), "'service'")
    question = QuizQuestion(
        id=f"{item_id}#{number}",
        item_id=item_id,
        question=_string(sink, values.get("question"), "'question'") or "",
        choices=choices or OWNERS,
        answer=answer or "",
        explanation=_string(sink, values.get("explanation"), "'explanation'") or "",
        service=service,
    )
    return question, sink.ref(service, "service", values["service"]) if service else None


def _choices(sink: _Sink, node: Node | None) -> tuple[str, ...] | None:
    """A question's choices: OWNERS when not given, else at least 2 distinct strings."""
    if node is None:
        return OWNERS
    entries = _strings(sink, node, "choices")
    if entries is None:
        return None
    if len(entries) < 2:
        sink.report(node, "a quiz question needs at least 2 choices")
    seen: set[str] = set()
    for text, entry in entries:
        key = normalize_alias(text) or text
        if key in seen:
            sink.report(entry, f"duplicate choice '{text}'")
        seen.add(key)
    return tuple(text for text, _ in entries)


# ---- services


@dataclass(frozen=True)
class _ParsedService:
    """A service, with where its id and names were written."""

    service: Service
    id: _Ref | None
    names: tuple[_Ref, ...]  # id, name, then aliases
    area_choices: tuple[tuple[_Ref, _Ref], ...]  # (area id, item id) of its ``areas:`` map
    types: tuple[_ParsedType, ...]


def _parse_service(sink: _Sink, node: Node) -> _ParsedService | None:
    """Check one entry of the ``services:`` list and build its Service."""
    if not _is_mapping(sink, node, "each service"):
        return None
    values = _keys(sink, node, _SERVICE_REQUIRED, _SERVICE_OPTIONAL)
    service_id = _identifier(sink, values.get("id"))
    area_choices = _area_choices(sink, values.get("areas"))
    types = _resource_types(sink, values.get("resource_types"), service_id or "")
    name = _string(sink, values.get("name"), "'name'")
    aliases = _strings(sink, values.get("aliases"), "aliases") or []
    service = Service(
        id=service_id or "",
        name=name or "",
        model=_enum(sink, values.get("model"), "model", SERVICE_MODELS, "service model") or "",
        aliases=tuple(text for text, _ in aliases),
        stack=_stack(sink, values.get("stack"), node),
        sources=_sources(sink, values.get("sources"), node, "service"),
        file=sink.file,
        line=node.start_mark.line + 1,
    )
    id_ref = sink.ref(service_id, "id", values["id"]) if service_id is not None else None
    names = [sink.ref(text, "alias", alias) for text, alias in aliases]
    if name is not None:
        names.insert(0, sink.ref(name, "name", values["name"]))
    if id_ref is not None:
        names.insert(0, id_ref)
    return _ParsedService(
        service=service,
        id=id_ref,
        names=tuple(names),
        area_choices=tuple(area_choices),
        types=tuple(types),
    )


def _stack(sink: _Sink, node: Node | None, service_node: Node) -> tuple[StackLayer, ...]:
    """A service's responsibility stack: at least one {layer, owner, note?}."""
    entries = _list(sink, node, "'stack'")
    if entries is None:
        return ()
    if not entries:
        sink.report(node if node is not None else service_node, "service has no stack layers")
    layers = []
    for entry in entries:
        if not _is_mapping(sink, entry, "each stack layer"):
            continue
        values = _keys(sink, entry, _STACK_REQUIRED, _STACK_OPTIONAL)
        layers.append(
            StackLayer(
                name=_string(sink, values.get("layer"), "'layer'") or "",
                owner=_enum(sink, values.get("owner"), "owner", OWNERS, "owner") or "",
                note=_string(sink, values.get("note"), "'note'") or "",
            )
        )
    return tuple(layers)


# ---- checks across entries and files


def _check_services(services: Sequence[_ParsedService]) -> list[Problem]:
    """Duplicate service ids, and ids, names or aliases two services share."""
    return _duplicate_ids((p.id for p in services if p.id), "service id") + _name_clashes(
        (((p.service.file, p.service.line), p.service.id, p.names) for p in services), "service"
    )


def _check_items(items: Sequence[_ParsedItem]) -> list[Problem]:
    """Duplicate item ids, and titles or aliases two items share."""
    return _duplicate_ids((p.id for p in items if p.id), "id") + _name_clashes(
        (((p.item.file, p.item.line), p.item.id, p.names) for p in items), "item"
    )


def _duplicate_ids(refs: Iterable[_Ref], what: str) -> list[Problem]:
    """Report each id seen before, naming where it was first."""
    first: dict[str, _Ref] = {}
    problems = []
    for ref in refs:
        if ref.text in first:
            problems.append(
                ref.problem(f"duplicate {what} '{ref.text}' (first at {first[ref.text].where})")
            )
        else:
            first[ref.text] = ref
    return problems


_THE_KIND = {"id": "the id", "name": "the name", "title": "the title", "alias": "an alias"}


def _name_clashes(
    entries: Iterable[tuple[tuple[str, int], str, Sequence[_Ref]]], noun: str
) -> list[Problem]:
    """Report a name that normalises like a name of another entry, or an alias given twice.

    ``entries`` are (identity, id, names) of the items, or of the services (``noun``), in order.
    """
    seen: dict[str, tuple[tuple[str, int], str, _Ref]] = {}
    problems = []
    for identity, label, names in entries:
        for ref in names:
            key = normalize_alias(ref.text)
            if not key:
                problems.append(ref.problem(f"{ref.kind} '{ref.text}' has no letters or digits"))
                continue
            if key not in seen:
                seen[key] = (identity, label, ref)
                continue
            other_identity, other_label, other = seen[key]
            if other_identity != identity and not (ref.kind == other.kind == "id"):
                problems.append(
                    ref.problem(
                        f"{ref.kind} '{ref.text}' clashes with {_THE_KIND[other.kind]} of "
                        f"{noun} '{other_label}' ({other.where})"
                    )
                )
            elif other_identity == identity and ref.kind == other.kind == "alias":
                problems.append(ref.problem(f"duplicate alias '{ref.text}'"))
    return problems


def _check_service_refs(
    items: Sequence[_ParsedItem], services: Sequence[_ParsedService], layout: _Layout
) -> list[Problem]:
    """Every service an item names must be a known service (and there must be services)."""
    refs = [ref for parsed in items for ref in parsed.service_refs]
    if not refs:
        return []
    if not layout.service_files:
        first = refs[0]
        return [
            first.problem(
                f"service '{first.text}' is referenced, but there are no services "
                f"(no *.yaml in {display_path(layout.services_dir)}/)"
            )
        ]
    known = sorted({p.id.text for p in services if p.id})
    problems = []
    for ref in refs:
        if ref.text not in known:
            close = _closest(ref.text, known)
            hint = f"did you mean '{close}'?" if close else "no service has this id"
            problems.append(ref.problem(f"unknown service '{ref.text}' ({hint})"))
    return problems


# ---- the stack matrix: responsibility areas and infrastructure-as-code resource types
#
# Areas live in areas.yaml; what an area reads on one service, and which resource types are the
# service, live in the service's own record (``areas:`` and ``resource_types:``).

_AREA_REQUIRED = ("id", "name")
_AREA_OPTIONAL = ("items", "default")
_RESOURCE_TYPE_RES = {
    "cloudformation": re.compile(r"AWS::[A-Za-z0-9]+::(?:[A-Za-z0-9]+|\*)"),
    "terraform": re.compile(r"aws_[a-z0-9]+(?:_[a-z0-9]+)*(?:_\*)?"),
}
_RESOURCE_TYPE_EXAMPLES = {
    "cloudformation": "'AWS::RDS::DBInstance' or 'AWS::S3::*'",
    "terraform": "'aws_db_instance' or 'aws_s3_*'",
}


@dataclass(frozen=True)
class _ParsedArea:
    """An area, with where each item it names was written."""

    area: Area
    item_refs: tuple[_Ref, ...]


@dataclass(frozen=True)
class _ParsedType:
    """A resource type, with where it was written."""

    type: ResourceType
    ref: _Ref


def _parse_area(sink: _Sink, node: Node) -> _ParsedArea | None:
    """Check one entry of ``areas:`` and build its Area (services' choices are added later)."""
    if not _is_mapping(sink, node, "each area"):
        return None
    values = _keys(sink, node, _AREA_REQUIRED, _AREA_OPTIONAL)
    area_id = _identifier(sink, values.get("id"))
    items = _strings(sink, values.get("items"), "items") or []
    item_refs = [sink.ref(text, "item", entry) for text, entry in items]
    default = _string(sink, values.get("default"), "'default'")
    if default is not None:
        item_refs.append(sink.ref(default, "item", values["default"]))
    area = Area(
        id=area_id or "",
        name=_string(sink, values.get("name"), "'name'") or "",
        items=tuple(text for text, _ in items),
        default=default,
        file=sink.file,
        line=node.start_mark.line + 1,
    )
    return _ParsedArea(area, tuple(item_refs))


def _area_choices(sink: _Sink, node: Node | None) -> list[tuple[_Ref, _Ref]]:
    """A service's ``areas:`` map: (area id, item id) refs, area ids given once."""
    if node is None or _is_null(node):
        return []
    if not isinstance(node, MappingNode):
        sink.report(node, f"'areas' must map area ids to item ids, not {_describe(node)}")
        return []
    choices: list[tuple[_Ref, _Ref]] = []
    for key_node, value_node in node.value:
        area_id = _string(sink, key_node, "an area id under 'areas'")
        item_id = _string(sink, value_node, "an item id under 'areas'")
        if area_id is None or item_id is None:
            continue
        if any(area.text == area_id for area, _ in choices):
            sink.report(key_node, f"duplicate key '{area_id}'")
            continue
        choices.append((sink.ref(area_id, "area", key_node), sink.ref(item_id, "item", value_node)))
    return choices


def _resource_types(sink: _Sink, node: Node | None, service_id: str) -> list[_ParsedType]:
    """A service's ``resource_types:``: {cloudformation: [...], terraform: [...]}."""
    if node is None or _is_null(node):
        return []
    if not _is_mapping(sink, node, "'resource_types'"):
        return []
    values = _keys(sink, node, (), IAC_TOOLS)
    parsed: list[_ParsedType] = []
    for tool in IAC_TOOLS:
        for text, entry in _strings(sink, values.get(tool), tool) or []:
            if not _RESOURCE_TYPE_RES[tool].fullmatch(text):
                sink.report(
                    entry,
                    f"'{text}' is not a {tool} resource type "
                    f"(like {_RESOURCE_TYPE_EXAMPLES[tool]})",
                )
                continue
            ref = sink.ref(text, "type", entry)
            parsed.append(_ParsedType(ResourceType(tool, text, service_id), ref))
    return parsed


def _check_resource_types(types: Sequence[_ParsedType]) -> list[Problem]:
    """No resource type is listed twice, by one service or two."""
    problems: list[Problem] = []
    first: dict[tuple[str, str], _ParsedType] = {}
    for parsed in types:
        key = (parsed.type.tool, parsed.type.pattern)
        if key in first:
            problems.append(
                parsed.ref.problem(
                    f"resource type '{parsed.type.pattern}' is listed twice "
                    f"(first for '{first[key].type.service}' at {first[key].ref.where})"
                )
            )
        else:
            first[key] = parsed
    return problems


def _with_service_choices(
    areas: Sequence[_ParsedArea], services: Sequence[_ParsedService]
) -> tuple[Area, ...]:
    """The areas, each with the item every service names for it under its own ``areas:``."""
    return tuple(
        dataclasses.replace(
            parsed.area,
            for_service=MappingProxyType(
                {
                    service.service.id: item.text
                    for service in services
                    for area, item in service.area_choices
                    if area.text == parsed.area.id
                }
            ),
        )
        for parsed in areas
    )


def _check_areas(
    areas: Sequence[_ParsedArea], items: Sequence[_ParsedItem], services: Sequence[_ParsedService]
) -> list[Problem]:
    """Areas and services' area maps name known areas and items; every area has an owner on
    every service."""
    problems = _duplicate_ids(
        (_Ref(p.area.id, "id", p.area.file, p.area.line) for p in areas if p.area.id), "area id"
    )
    items_by_id = {p.item.id: p.item for p in items}
    area_ids = [p.area.id for p in areas if p.area.id]

    def unknown_item(ref: _Ref) -> Problem:
        close = _closest(ref.text, sorted(items_by_id))
        hint = f"did you mean '{close}'?" if close else "no item has this id"
        return ref.problem(f"unknown item '{ref.text}' ({hint})")

    problems += [unknown_item(r) for p in areas for r in p.item_refs if r.text not in items_by_id]
    for parsed in services:
        for area_ref, item_ref in parsed.area_choices:
            if area_ref.text not in area_ids:
                close = _closest(area_ref.text, area_ids)
                hint = f"did you mean '{close}'?" if close else f"expected {_one_of(area_ids)}"
                problems.append(area_ref.problem(f"unknown area '{area_ref.text}' ({hint})"))
            if item_ref.text not in items_by_id:
                problems.append(unknown_item(item_ref))
    for parsed in services:
        service = parsed.service
        if not service.id:
            continue
        chosen = {area.text for area, _ in parsed.area_choices}
        for area in (p.area for p in areas):
            if area.default is not None or not area.id or area.id in chosen:
                continue
            if any(service.id in items_by_id[i].services for i in area.items if i in items_by_id):
                continue
            problems.append(
                Problem(
                    service.file,
                    service.line,
                    f"area '{area.id}' has no owner for service '{service.id}': name an item for "
                    f"it under the service's 'areas:' ({area.id}: <item id>), or give one of the "
                    f"area's items ({area.file}:{area.line}) a 'services:' entry for "
                    f"'{service.id}'",
                )
            )
    return problems
