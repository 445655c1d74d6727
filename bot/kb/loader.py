"""Load and validate the curated YAML knowledge base into typed, immutable records.

The knowledge base is a folder of YAML files (default: ``knowledge/`` at the project root):
every file in its ``services/`` folder holds a ``services:`` list (each service with its own matrix
``areas:`` and IaC ``resource_types:``), ``areas.yaml`` the matrix's ``areas:`` list, and every
other file an ``items:`` list; docs/knowledge-base.md describes them for curators.

Loading goes file by file, then across files, and collects every problem as ``file:line``:

1. ``yamldoc``: the YAML of each file, as plain data that knows the line of every value;
2. ``schema``: the file's format (``schema.yaml``, JSON Schema) at the line each error points to;
3. ``records``: the records built from what the format accepted;
4. ``checks``: what no schema can say (unique ids and names, references to services, items and
   areas, quiz answers among their choices, every matrix area owned on every service).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from bot.kb import checks, records, schema, yamldoc
from bot.kb.files import display_path, layout
from bot.kb.model import Area, KnowledgeBase, KnowledgeError, Problem
from bot.kb.owners import OWNERS
from bot.kb.records import ParsedArea, ParsedService

__all__ = [
    "DEFAULT_DIR",
    "OWNERS",
    "display_path",
    "format_problems",
    "load",
    "load_or_exit",
    "load_or_report",
]

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "knowledge"

_Parsed = TypeVar("_Parsed")


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
    files = layout(Path(path))
    problems: list[Problem] = []
    services = _read(files.service_files, "services", records.service, problems)
    areas = _read(files.area_files, "areas", records.area, problems)
    items = _read(files.item_files, "items", records.item, problems)
    types = [parsed for service in services for parsed in service.types]
    problems += checks.services(services)
    problems += checks.items(items)
    problems += checks.service_refs(
        items, services, bool(files.service_files), display_path(files.services_dir)
    )
    problems += checks.resource_types(types)
    if files.is_folder:  # areas read items of every file: check them on the whole folder only
        problems += checks.areas(areas, items, services)
    if files.is_folder and not items and not problems:
        problems.append(
            Problem(display_path(files.root), 0, "no items found (no *.yaml with items:)")
        )
    if problems:
        raise KnowledgeError(sorted(dict.fromkeys(problems), key=lambda p: (p.file, p.line)))
    return KnowledgeBase(
        items=tuple(parsed.item for parsed in items),
        services=tuple(parsed.service for parsed in services),
        areas=_with_service_choices(areas, services),
        resource_types=tuple(parsed.type for parsed in types),
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


def _read(
    paths: Sequence[Path],
    key: str,
    build: Callable[[yamldoc.Document, yamldoc.Path_, dict[str, object]], _Parsed],
    problems: list[Problem],
) -> list[_Parsed]:
    """Read, check and build the entries of the top-level ``key:`` list of every file."""
    built: list[_Parsed] = []
    for path in paths:
        doc = yamldoc.read(path, display_path(path))
        if doc.readable:
            doc.problems += schema.check(doc, f"{key}_file")
            for index, entry in yamldoc.entries(doc.data, key):
                built.append(build(doc, (key, index), entry))
                if key == "items":
                    doc.problems += checks.quiz(doc, (key, index), entry)
        problems += doc.problems
    return built


def _with_service_choices(
    areas: Sequence[ParsedArea], services: Sequence[ParsedService]
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
