"""The knowledge base's records: items, services, quiz questions, areas; immutable and typed.

bot/kb/loader.py builds them from the YAML files and reports problems as file:line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.kb.owners import OWNERS

_NON_WORD_RE = re.compile(r"[\W_]+")


CATEGORIES = (
    "physical",
    "infrastructure",
    "network",
    "compute",
    "storage",
    "database",
    "containers",
    "serverless",
    "identity",
    "data",
    "encryption",
    "application",
    "logging",
    "compliance",
    "controls",
)
SERVICE_MODELS = ("infrastructure", "container", "abstracted")
# How the models read in a sentence: AWS's whitepaper calls managed services "container services",
# which is easily mistaken for Docker containers.
SERVICE_MODEL_LABELS = {
    "infrastructure": "infrastructure service",
    "container": "managed (container) service",
    "abstracted": "abstracted service",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the knowledge base, located at file:line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line < 1:  # about a whole folder, not a place in a file
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge base is broken; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class QuizQuestion:
    """A quiz question attached to an item; ``answer`` is one of ``choices``."""

    id: str  # "<item id>#<n>", n counting from 1 in file order
    item_id: str
    question: str
    choices: tuple[str, ...]  # default: OWNERS
    answer: str
    explanation: str
    service: str | None = None  # service id when the question is about one service

    @property
    def is_owner_question(self) -> bool:
        """True when the choices are exactly the three owners."""
        return tuple(self.choices) == OWNERS

    def to_dict(self) -> dict:
        """This question as plain JSON-ready data."""
        return {
            "id": self.id,
            "question": self.question,
            "choices": list(self.choices),
            "answer": self.answer,
            "explanation": self.explanation,
            "service": self.service,
        }


@dataclass(frozen=True)
class ServiceOwner:
    """Who owns an item on one particular service, and why."""

    owner: str
    note: str


@dataclass(frozen=True)
class Item:
    """One responsibility: who owns it, why, how people phrase it, and where it is documented."""

    id: str
    title: str
    owner: str
    category: str
    explanation: str
    aliases: tuple[str, ...]
    sources: tuple[str, ...]
    quiz: tuple[QuizQuestion, ...]
    services: Mapping[str, ServiceOwner] = field(default_factory=dict)
    file: str = ""
    line: int = 0

    def __hash__(self) -> int:
        # ids are unique in a loaded knowledge base; the services mapping itself is unhashable
        return hash((self.id, self.file, self.line))

    def owner_for(self, service_id: str | None) -> str:
        """The owner on ``service_id`` when the item says so, else the item's own owner."""
        if service_id and service_id in self.services:
            return self.services[service_id].owner
        return self.owner

    def note_for(self, service_id: str | None) -> str | None:
        """The service-specific note, if the item has one for ``service_id``."""
        if service_id and service_id in self.services:
            return self.services[service_id].note
        return None

    def source_for(self, service: Service | None) -> str | None:
        """The page to cite for this item about ``service``: one from the service's own guide
        when the item has one (a Neptune question links Neptune's page, not RDS's), else the
        item's first source."""
        if service is not None:
            guides = {doc_area(url) for url in service.sources}
            for url in self.sources:
                if doc_area(url) in guides:
                    return url
        return self.sources[0] if self.sources else None

    def to_dict(self) -> dict:
        """This item as plain JSON-ready data (without its file and line)."""
        return {
            "id": self.id,
            "title": self.title,
            "owner": self.owner,
            "category": self.category,
            "explanation": self.explanation,
            "aliases": list(self.aliases),
            "services": {
                sid: {"owner": so.owner, "note": so.note} for sid, so in self.services.items()
            },
            "sources": list(self.sources),
            "quiz": [q.to_dict() for q in self.quiz],
        }


@dataclass(frozen=True)
class StackLayer:
    """One layer of a service's responsibility stack, top (data) to bottom (facilities)."""

    name: str
    owner: str
    note: str = ""


@dataclass(frozen=True)
class Service:
    """A cloud service the matcher can detect, with its responsibility stack."""

    id: str
    name: str  # the official name, shown to people
    model: str  # one of SERVICE_MODELS
    aliases: tuple[str, ...]
    stack: tuple[StackLayer, ...]
    sources: tuple[str, ...]
    match_name: str = ""  # what matching reads instead of ``name``, when set
    file: str = ""
    line: int = 0

    @property
    def matched_name(self) -> str:
        """The name matching reads (detector, indexes): ``match_name``, else ``name``."""
        return self.match_name or self.name

    def to_dict(self) -> dict:
        """This service as plain JSON-ready data (without its file and line)."""
        return {
            "id": self.id,
            "name": self.name,
            **({"match_name": self.match_name} if self.match_name else {}),
            "model": self.model,
            "aliases": list(self.aliases),
            "sources": list(self.sources),
            "stack": [
                {"layer": layer.name, "owner": layer.owner, "note": layer.note}
                for layer in self.stack
            ],
        }


@dataclass(frozen=True)
class Area:
    """A responsibility area of the stack matrix (knowledge/areas.yaml), read from items.

    A service's cell comes from ``for_service[service]`` (the item the service names for this area
    in its own ``areas:`` map), else from the first of ``items`` that states an owner for the
    service, else from ``default`` (an item whose own owner holds on every service); see
    ``cell_item``.
    """

    id: str
    name: str
    items: tuple[str, ...] = ()
    for_service: Mapping[str, str] = field(default_factory=dict)
    default: str | None = None
    file: str = ""
    line: int = 0

    def __hash__(self) -> int:
        return hash((self.id, self.file, self.line))

    def cell_item(self, kb: KnowledgeBase, service_id: str) -> Item | None:
        """The item that says who owns this area on ``service_id``, or None when none does."""
        chosen = self.for_service.get(service_id)
        if chosen is not None:
            return kb.item(chosen)
        for item_id in self.items:
            item = kb.item(item_id)
            if item is not None and service_id in item.services:
                return item
        return kb.item(self.default) if self.default else None


IAC_TOOLS = ("cloudformation", "terraform")


@dataclass(frozen=True)
class ResourceType:
    """An infrastructure-as-code resource type (or ``prefix*`` pattern) and the service it is."""

    tool: str  # one of IAC_TOOLS
    pattern: str  # "AWS::RDS::DBInstance", "AWS::S3::*", "aws_db_instance", "aws_s3_*"
    service: str

    @property
    def is_prefix(self) -> bool:
        """True for a ``prefix*`` pattern."""
        return self.pattern.endswith("*")


@dataclass(frozen=True)
class KnowledgeBase:
    """The validated knowledge base, indexed by id."""

    items: tuple[Item, ...]
    services: tuple[Service, ...]
    areas: tuple[Area, ...] = ()
    resource_types: tuple[ResourceType, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_items_by_id", {i.id: i for i in self.items})
        object.__setattr__(self, "_services_by_id", {s.id: s for s in self.services})

    def item(self, item_id: str) -> Item | None:
        """The item with this id, or None."""
        return self._items_by_id.get(item_id)  # type: ignore[attr-defined]

    def service(self, service_id: str) -> Service | None:
        """The service with this id, or None."""
        return self._services_by_id.get(service_id)  # type: ignore[attr-defined]

    @property
    def quiz_questions(self) -> tuple[QuizQuestion, ...]:
        """Every quiz question of every item, in file order."""
        return tuple(q for item in self.items for q in item.quiz)

    def service_for_type(self, tool: str, resource_type: str) -> str | None:
        """The service id a resource type maps to: an exact entry, else the longest prefix."""
        best: ResourceType | None = None
        for entry in self.resource_types:
            if entry.tool != tool:
                continue
            if entry.pattern == resource_type:
                return entry.service
            if (
                entry.is_prefix
                and resource_type.startswith(entry.pattern[:-1])
                and (best is None or len(entry.pattern) > len(best.pattern))
            ):
                best = entry
        return best.service if best else None

    def to_dict(self) -> dict:
        """The whole knowledge base as plain JSON-ready data, in file order.

        ``areas`` and ``resource_types`` (the matrix's data) appear when the base has them.
        """
        data: dict = {
            "items": [item.to_dict() for item in self.items],
            "services": [service.to_dict() for service in self.services],
        }
        if self.areas:
            data["areas"] = [
                {
                    "id": area.id,
                    "name": area.name,
                    "items": list(area.items),
                    "for": dict(area.for_service),
                    "default": area.default,
                }
                for area in self.areas
            ]
        if self.resource_types:
            data["resource_types"] = [
                {"tool": t.tool, "pattern": t.pattern, "service": t.service}
                for t in self.resource_types
            ]
        return data


def doc_area(url: str) -> str:
    """The host and first path segment of a URL: which guide a documentation page is in."""
    host, _, path = url.removeprefix("https://").partition("/")
    return f"{host}/{path.split('/', 1)[0]}".lower()


def normalize_alias(text: str) -> str:
    """Lowercase ``text``, turn punctuation into spaces and squeeze spaces: how names compare."""
    return " ".join(_NON_WORD_RE.sub(" ", text.lower()).split())
