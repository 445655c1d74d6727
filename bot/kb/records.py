"""Build the knowledge base's records from checked file data, with where each name was written.

The schema has said what is wrong with the data's shape (schema.py); what it accepted becomes
records here, and a value it rejected is left out (an empty string, an empty list), so one broken
field does not hide the problems of the rest. The references (``Ref``) keep the line of every id,
name and alias for the checks across entries and files (checks.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from bot.kb.model import (
    IAC_TOOLS,
    Area,
    Item,
    Problem,
    QuizQuestion,
    ResourceType,
    Service,
    ServiceOwner,
    StackLayer,
)
from bot.kb.owners import OWNERS
from bot.kb.yamldoc import Document, Path_


@dataclass(frozen=True)
class Ref:
    """A name or id as written, and where: for checks across entries and files."""

    text: str
    kind: str  # "id", "title", "name", "alias", "service", "item", "area", "type"
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def problem(self, message: str) -> Problem:
        return Problem(self.file, self.line, message)


@dataclass(frozen=True)
class ParsedItem:
    """An item, with where its id, names and service references were written."""

    item: Item
    id: Ref | None
    names: tuple[Ref, ...]  # title, then aliases
    service_refs: tuple[Ref, ...]


@dataclass(frozen=True)
class ParsedType:
    """A resource type, with where it was written."""

    type: ResourceType
    ref: Ref


@dataclass(frozen=True)
class ParsedService:
    """A service, with where its id and names were written."""

    service: Service
    id: Ref | None
    names: tuple[Ref, ...]  # id, name, then aliases
    area_choices: tuple[tuple[Ref, Ref], ...]  # (area id, item id) of its ``areas:`` map
    types: tuple[ParsedType, ...]


@dataclass(frozen=True)
class ParsedArea:
    """An area, with where each item it names was written."""

    area: Area
    item_refs: tuple[Ref, ...]


class _Entry:
    """One entry of a file's top-level list: its data, and the document that says where."""

    def __init__(self, doc: Document, path: Path_, data: dict[str, object]):
        self.doc, self.path, self.data = doc, path, data

    @property
    def line(self) -> int:
        return self.doc.line(self.path)

    def text(self, key: str) -> str:
        """The text under ``key``, or "" when it is missing or was rejected."""
        return self.doc.text((*self.path, key), self.data.get(key)) or ""

    def ref(self, key: str, kind: str) -> Ref | None:
        """Where the text under ``key`` was written, or None when there is none."""
        text = self.text(key)
        return self.at((*self.path, key), text, kind) if text else None

    def at(self, path: Path_, text: str, kind: str) -> Ref:
        return Ref(text, kind, self.doc.file, self.doc.line(path))

    def texts(self, key: str, kind: str) -> list[Ref]:
        """The accepted texts of the list under ``key``, each with its line."""
        values = self.data.get(key)
        if not isinstance(values, list):
            return []
        path = (*self.path, key)
        return [
            self.at((*path, i), text, kind)
            for i, value in enumerate(values)
            if (text := self.doc.text((*path, i), value))
        ]

    def mapping(self, key: str) -> dict[str, object]:
        value = self.data.get(key)
        return value if isinstance(value, dict) else {}


def item(doc: Document, path: Path_, data: dict[str, object]) -> ParsedItem:
    """The Item of one entry of an ``items:`` list."""
    entry = _Entry(doc, path, data)
    aliases = entry.texts("aliases", "alias")
    owners, service_refs = _service_owners(entry)
    item_id = entry.text("id")
    quiz, quiz_refs = _quiz(entry, item_id)
    built = Item(
        id=item_id,
        title=entry.text("title"),
        owner=entry.text("owner"),
        category=entry.text("category"),
        explanation=entry.text("explanation"),
        aliases=tuple(ref.text for ref in aliases),
        sources=tuple(ref.text for ref in entry.texts("sources", "source")),
        quiz=quiz,
        services=MappingProxyType(owners),
        file=doc.file,
        line=entry.line,
    )
    title = entry.ref("title", "title")
    return ParsedItem(
        item=built,
        id=entry.ref("id", "id"),
        names=(*([title] if title else []), *aliases),
        service_refs=(*service_refs, *quiz_refs),
    )


def _service_owners(entry: _Entry) -> tuple[dict[str, ServiceOwner], list[Ref]]:
    """The item's ``services:`` map (service id -> owner and note) and where each id was written."""
    owners: dict[str, ServiceOwner] = {}
    refs: list[Ref] = []
    path = (*entry.path, "services")
    for service_id, value in entry.mapping("services").items():
        refs.append(
            Ref(service_id, "service", entry.doc.file, entry.doc.key_line((*path, service_id)))
        )
        if isinstance(value, dict):
            sub = _Entry(entry.doc, (*path, service_id), value)
            owners[service_id] = ServiceOwner(owner=sub.text("owner"), note=sub.text("note"))
    return owners, refs


def _quiz(entry: _Entry, item_id: str) -> tuple[tuple[QuizQuestion, ...], list[Ref]]:
    """The item's quiz questions, ids "<item id>#<n>" in file order, and their services."""
    questions = entry.data.get("quiz")
    if not isinstance(questions, list):
        return (), []
    built: list[QuizQuestion] = []
    refs: list[Ref] = []
    for number, data in enumerate(questions, start=1):
        if not isinstance(data, dict):
            continue
        question = _Entry(entry.doc, (*entry.path, "quiz", number - 1), data)
        choices = question.texts("choices", "choice") if "choices" in data else None
        service = question.ref("service", "service")
        built.append(
            QuizQuestion(
                id=f"{item_id}#{number}",
                item_id=item_id,
                question=question.text("question"),
                choices=OWNERS if choices is None else tuple(ref.text for ref in choices),
                answer=question.text("answer"),
                explanation=question.text("explanation"),
                service=service.text if service else None,
            )
        )
        if service:
            refs.append(service)
    return tuple(built), refs


def service(doc: Document, path: Path_, data: dict[str, object]) -> ParsedService:
    """The Service of one entry of a ``services:`` list, with its area choices and types."""
    entry = _Entry(doc, path, data)
    service_id = entry.text("id")
    built = Service(
        id=service_id,
        name=entry.text("name"),
        model=entry.text("model"),
        aliases=tuple(ref.text for ref in entry.texts("aliases", "alias")),
        stack=_stack(entry),
        sources=tuple(ref.text for ref in entry.texts("sources", "source")),
        match_name=entry.text("match_name"),
        file=doc.file,
        line=entry.line,
    )
    id_ref, name_ref = entry.ref("id", "id"), entry.ref("name", "name")
    match_ref = entry.ref("match_name", "match name")
    names = [ref for ref in (id_ref, name_ref, match_ref) if ref] + entry.texts("aliases", "alias")
    return ParsedService(
        service=built,
        id=id_ref,
        names=tuple(names),
        area_choices=tuple(_area_choices(entry)),
        types=tuple(_resource_types(entry, service_id)),
    )


def _stack(entry: _Entry) -> tuple[StackLayer, ...]:
    layers = entry.data.get("stack")
    if not isinstance(layers, list):
        return ()
    return tuple(
        StackLayer(name=layer.text("layer"), owner=layer.text("owner"), note=layer.text("note"))
        for i, data in enumerate(layers)
        if isinstance(data, dict)
        for layer in [_Entry(entry.doc, (*entry.path, "stack", i), data)]
    )


def _area_choices(entry: _Entry) -> list[tuple[Ref, Ref]]:
    """A service's ``areas:`` map as (area id, item id) references."""
    path = (*entry.path, "areas")
    choices = []
    for area_id, value in entry.mapping("areas").items():
        item_id = entry.doc.text((*path, area_id), value)
        if item_id:
            area = Ref(area_id, "area", entry.doc.file, entry.doc.key_line((*path, area_id)))
            choices.append((area, entry.at((*path, area_id), item_id, "item")))
    return choices


def _resource_types(entry: _Entry, service_id: str) -> list[ParsedType]:
    """A service's ``resource_types:``, CloudFormation's then Terraform's."""
    types = _Entry(entry.doc, (*entry.path, "resource_types"), entry.mapping("resource_types"))
    return [
        ParsedType(ResourceType(tool, ref.text, service_id), ref)
        for tool in IAC_TOOLS
        for ref in types.texts(tool, "type")
    ]


def area(doc: Document, path: Path_, data: dict[str, object]) -> ParsedArea:
    """The Area of one entry of ``areas:`` (the services' choices are added later)."""
    entry = _Entry(doc, path, data)
    items = entry.texts("items", "item")
    default = entry.ref("default", "item")
    built = Area(
        id=entry.text("id"),
        name=entry.text("name"),
        items=tuple(ref.text for ref in items),
        default=default.text if default else None,
        file=doc.file,
        line=entry.line,
    )
    return ParsedArea(built, (*items, *([default] if default else [])))
