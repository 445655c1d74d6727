"""Load and validate the curated YAML knowledge base into typed, immutable records.

The knowledge base is a folder of YAML files (default: ``knowledge/`` at the project root).
``services.yaml`` holds the service registry (``services:`` list); every other file holds an
``items:`` list. See README.md ("The knowledge base") for the format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "knowledge"

OWNERS = ("aws", "customer", "shared")
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


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the knowledge base, located at file:line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
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
    name: str
    model: str  # one of SERVICE_MODELS
    aliases: tuple[str, ...]
    stack: tuple[StackLayer, ...]
    sources: tuple[str, ...]
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class KnowledgeBase:
    """The validated knowledge base, indexed by id."""

    items: tuple[Item, ...]
    services: tuple[Service, ...]

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


def load(path: Path | str = DEFAULT_DIR) -> KnowledgeBase:
    """Load and validate the knowledge base at ``path``; raise KnowledgeError listing every problem."""
    raise NotImplementedError
