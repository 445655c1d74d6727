"""A stack's responsibility matrix: areas x services, each cell read from a knowledge item.

Slack-free and store-free. ``build_matrix(kb, services)`` fills every cell from the item that
knowledge/areas.yaml and the service's own ``areas:`` point at (``Area.cell_item``), with the owner
the answer engine would give for that item on that service (``Item.owner_for``): one source of
truth, so an answer and a matrix never disagree. ``parse_service_names`` reads "ec2, rds and
lambda" with the same aliases (and typo correction) as questions. ``to_csv``, ``to_markdown`` and
``to_table`` render a matrix.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.kb.model import Area, Item, KnowledgeBase, Service, normalize_alias
from bot.kb.owners import OWNER_SHORT

MAX_SERVICES = 30  # more than the knowledge base knows today; a longer list is a mistake
MAX_NAME_WORDS = 90  # words in a list of names, read before anything else is done
DUTY_OWNERS = ("customer", "shared")  # cells that put a duty on the customer's checklist
_FILLER = frozenset({"and", "plus", "with", "or", "the", "my", "our"})
_SUGGEST_CUTOFF = 70
_MAX_TYPO_EDITS = 2  # the engine's correction of a name is taken only this close to a real name
_NOTE_LIMIT = 200
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Cell:
    """Who owns one area on one service, why, and where AWS documents it."""

    area: Area
    service: Service
    item: Item
    owner: str  # "aws" | "customer" | "shared"
    note: str
    source: str | None

    @property
    def label(self) -> str:
        """AWS, You or Shared."""
        return OWNER_SHORT[self.owner]


@dataclass(frozen=True)
class Duty:
    """One line of the customer's checklist: an item, on the services where it is theirs."""

    key: str  # "<area id>:<item id>", stable across saves: assignments hang on it
    area: Area
    item: Item
    services: tuple[Service, ...]
    shared: bool  # AWS does part of it on at least one of the services

    @property
    def text(self) -> str:
        """The duty as one line: "Patching the guest operating system — EC2, Auto Scaling"."""
        return f"{self.item.title} — {', '.join(short_name(s) for s in self.services)}"


@dataclass(frozen=True)
class Matrix:
    """Areas x services, every cell filled, and the customer's duties deduplicated by item."""

    services: tuple[Service, ...]
    areas: tuple[Area, ...]
    cells: Mapping[tuple[str, str], Cell] = field(repr=False)
    duties: tuple[Duty, ...]

    def cell(self, area_id: str, service_id: str) -> Cell:
        """The cell of one area on one service."""
        return self.cells[(area_id, service_id)]

    def duties_by_area(self) -> list[tuple[Area, list[Duty]]]:
        """The duties grouped by area, in area order; areas without duties left out."""
        grouped = [(a, [d for d in self.duties if d.area.id == a.id]) for a in self.areas]
        return [(area, duties) for area, duties in grouped if duties]


@dataclass(frozen=True)
class UnknownName:
    """A name in a list that is no service ofin knows, with the closest service ids."""

    name: str
    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class ServiceNames:
    """What a list of names read as: the services (deduplicated, in order) and the unknown names."""

    services: tuple[Service, ...]
    unknown: tuple[UnknownName, ...]
    too_many: int = 0  # how many were given, when that is more than MAX_SERVICES


def short_name(service: Service) -> str:
    """A column-sized name: "EC2", "Auto Scaling"… the acronym in brackets, or no "Amazon"."""
    bracket = re.search(r"\(([^)]+)\)\s*$", service.name)
    if bracket:
        return bracket.group(1)
    name = re.sub(r"^(?:Amazon|AWS)\s+", "", service.name)
    return re.sub(r"^EC2 (?=Auto Scaling)", "", name)


def first_sentence(text: str, limit: int = _NOTE_LIMIT) -> str:
    """The first sentence of ``text``, cut to ``limit`` characters."""
    sentence = _SENTENCE_END.split(" ".join(text.split()), maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def build_matrix(kb: KnowledgeBase, services: Iterable[Service]) -> Matrix:
    """The matrix of every area of ``kb`` on ``services`` (kb check guarantees every cell)."""
    chosen = tuple(dict.fromkeys(services))
    cells: dict[tuple[str, str], Cell] = {}
    for area in kb.areas:
        for service in chosen:
            item = area.cell_item(kb, service.id)
            if item is None:  # only a knowledge base that skipped `kb check` gets here
                raise ValueError(f"area {area.id!r} has no owner for service {service.id!r}")
            cells[(area.id, service.id)] = Cell(
                area=area,
                service=service,
                item=item,
                owner=item.owner_for(service.id),
                note=item.note_for(service.id) or first_sentence(item.explanation),
                source=item.source_for(service),
            )
    return Matrix(chosen, kb.areas, cells, _duties(kb.areas, chosen, cells))


def _duties(
    areas: tuple[Area, ...], services: tuple[Service, ...], cells: Mapping[tuple[str, str], Cell]
) -> tuple[Duty, ...]:
    """One duty per (area, item) over the services whose cell is the customer's or shared."""
    duties: list[Duty] = []
    for area in areas:
        by_item: dict[str, list[Cell]] = {}
        for service in services:
            cell = cells[(area.id, service.id)]
            if cell.owner in DUTY_OWNERS:
                by_item.setdefault(cell.item.id, []).append(cell)
        for item_id, item_cells in by_item.items():
            duties.append(
                Duty(
                    key=f"{area.id}:{item_id}",
                    area=area,
                    item=item_cells[0].item,
                    services=tuple(c.service for c in item_cells),
                    shared=any(c.owner == "shared" for c in item_cells),
                )
            )
    return tuple(duties)


# ---------------------------------------------------------------------------------------------
# Reading a list of service names


class ServiceNameReader:
    """Read "ec2, rds and lambda" or "auto scaling s3 lamda" as services, like questions do."""

    def __init__(self, kb: KnowledgeBase, find_service=None) -> None:
        """``find_service(text)`` is the answer engine's detector (typos); optional."""
        self._kb = kb
        self._find_service = find_service
        self._by_name: dict[str, Service] = {}
        for service in kb.services:
            spelled = (service.id, service.id.replace("-", " "), service.name, service.matched_name)
            for name in (*spelled, *service.aliases):
                self._by_name.setdefault(normalize_alias(name), service)
        self._longest = max((len(n.split()) for n in self._by_name), default=1)

    def named(self, text: str) -> Service | None:
        """The service whose id, name or alias ``text`` is (case and punctuation aside), or None."""
        return self._by_name.get(normalize_alias(text))

    def read(self, text: str) -> ServiceNames:
        """The services named in ``text`` (commas or spaces between names)."""
        words_total = len(text.replace(",", " ").split())
        if words_total > MAX_NAME_WORDS:
            return ServiceNames((), (), too_many=words_total)
        found: list[Service] = []
        unknown: list[UnknownName] = []
        for chunk in text.split(","):
            words = [w for w in normalize_alias(chunk).split() if w]
            start = 0
            while start < len(words):
                size = self._longest_match(words, start)
                if size:
                    found.append(self._by_name[" ".join(words[start : start + size])])
                    start += size
                    continue
                word = words[start]
                start += 1
                if word in _FILLER:
                    continue
                service = self._find_service(word) if self._find_service else None
                if service is not None and self._is_typo_of(word, service):
                    found.append(service)
                else:
                    guess = (service.id,) if service is not None else ()
                    suggestions = tuple(dict.fromkeys(guess + self._suggest(word)))[:3]
                    unknown.append(UnknownName(word, suggestions))
        services = tuple(dict.fromkeys(found))
        if len(services) > MAX_SERVICES:
            return ServiceNames((), (), too_many=len(services))
        return ServiceNames(services, tuple(dict.fromkeys(unknown)))

    def _longest_match(self, words: list[str], start: int) -> int:
        for size in range(min(self._longest, len(words) - start), 0, -1):
            if " ".join(words[start : start + size]) in self._by_name:
                return size
        return 0

    def _is_typo_of(self, word: str, service: Service) -> bool:
        """True when ``word`` is a name of ``service`` give or take a typo or two ("lamda")."""
        names = [n for n, s in self._by_name.items() if s.id == service.id]
        return min(OSA.distance(word, n) for n in names) <= _MAX_TYPO_EDITS

    def _suggest(self, word: str) -> tuple[str, ...]:
        matches = process.extract(
            word, list(self._by_name), scorer=fuzz.WRatio, limit=8, score_cutoff=_SUGGEST_CUTOFF
        )
        ids = dict.fromkeys(self._by_name[name].id for name, _, _ in matches)
        return tuple(ids)[:3]


# ---------------------------------------------------------------------------------------------
# Rendering: CSV, Markdown, the console's aligned table

CSV_COLUMNS = (
    "area",
    "service",
    "responsible",
    "note",
    "source",
    "knowledge_item",
    "duty",
    "duty_owner",
)


def to_data(matrix: Matrix) -> dict:
    """The matrix as plain data (the JSON export; Slack's message is built from it too):
    services, cells by area and service id, duties."""
    return {
        "services": [s.id for s in matrix.services],
        "areas": [
            {
                "id": area.id,
                "name": area.name,
                "cells": {
                    s.id: {
                        "owner": matrix.cell(area.id, s.id).owner,
                        "item": matrix.cell(area.id, s.id).item.id,
                        "note": matrix.cell(area.id, s.id).note,
                        "source": matrix.cell(area.id, s.id).source,
                    }
                    for s in matrix.services
                },
            }
            for area in matrix.areas
        ],
        "duties": [
            {
                "key": d.key,
                "area": d.area.id,
                "item": d.item.id,
                "title": d.item.title,
                "services": [s.id for s in d.services],
                "shared": d.shared,
            }
            for d in matrix.duties
        ],
    }


def to_csv(matrix: Matrix, owners: Mapping[str, str] | None = None) -> str:
    """One row per cell; a customer or shared cell names its duty and who owns it (a user id)."""
    owners = owners or {}
    duty_of = {(d.area.id, d.item.id): d for d in matrix.duties}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for area in matrix.areas:
        for service in matrix.services:
            cell = matrix.cell(area.id, service.id)
            duty = duty_of.get((area.id, cell.item.id)) if cell.owner in DUTY_OWNERS else None
            writer.writerow(
                [
                    area.name,
                    service.name,
                    cell.label,
                    cell.note,
                    cell.source or "",
                    cell.item.id,
                    duty.key if duty else "",
                    owners.get(duty.key, "") if duty else "",
                ]
            )
    return out.getvalue()


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(
    matrix: Matrix,
    owners: Mapping[str, str] | None = None,
    *,
    title: str = "Responsibility matrix",
) -> str:
    """The matrix as a Markdown table, the checklist, then every cell's note and source."""
    owners = owners or {}
    names = [short_name(s) for s in matrix.services]
    lines = [f"# {_md(title)}", "", f"Services: {', '.join(s.name for s in matrix.services)}", ""]
    lines.append("| Area | " + " | ".join(_md(n) for n in names) + " |")
    lines.append("|---|" + "---|" * len(names))
    for area in matrix.areas:
        labels = [matrix.cell(area.id, s.id).label for s in matrix.services]
        lines.append(f"| {_md(area.name)} | " + " | ".join(labels) + " |")
    lines += ["", "## Your duties", ""]
    for area, duties in matrix.duties_by_area():
        lines.append(f"**{_md(area.name)}**")
        lines.append("")
        for duty in duties:
            who = f" (owner: {owners[duty.key]})" if duty.key in owners else ""
            shared = " (shared with AWS)" if duty.shared else ""
            lines.append(f"- [ ] {_md(duty.text)}{shared}{who}")
        lines.append("")
    lines += ["## Notes and sources", ""]
    for area in matrix.areas:
        lines.append(f"**{_md(area.name)}**")
        lines.append("")
        for service in matrix.services:
            cell = matrix.cell(area.id, service.id)
            source = f" ([source]({cell.source}))" if cell.source else ""
            lines.append(f"- {short_name(service)}: **{cell.label}**. {_md(cell.note)}{source}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_table(matrix: Matrix) -> str:
    """The aligned text table: one row per area, one column per service."""
    names = [short_name(s) for s in matrix.services]
    widths = [max(len(n), 6) for n in names]
    first = max(len(a.name) for a in matrix.areas) + 2
    header = " " * first + "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))
    lines = [header.rstrip()]
    for area in matrix.areas:
        labels = [matrix.cell(area.id, s.id).label for s in matrix.services]
        row = area.name.ljust(first) + "  ".join(
            label.ljust(w) for label, w in zip(labels, widths, strict=True)
        )
        lines.append(row.rstrip())
    return "\n".join(lines)


def checklist_lines(matrix: Matrix, owners: Mapping[str, str] | None = None) -> list[str]:
    """The duties as text lines, grouped by area ("[ ] Patching … — EC2")."""
    owners = owners or {}
    lines: list[str] = []
    for area, duties in matrix.duties_by_area():
        lines.append(f"  {area.name}")
        for duty in duties:
            shared = " (shared with AWS)" if duty.shared else ""
            who = f"  owner: {owners[duty.key]}" if duty.key in owners else ""
            lines.append(f"    [ ] {duty.text}{shared}{who}")
    return lines


def notes_lines(matrix: Matrix) -> list[str]:
    """Every cell's note and source, area by area."""
    lines: list[str] = []
    for area in matrix.areas:
        lines.append(f"  {area.name}")
        for service in matrix.services:
            cell = matrix.cell(area.id, service.id)
            source = f" <{cell.source}>" if cell.source else ""
            lines.append(f"    {short_name(service)}: {cell.label}. {cell.note}{source}")
    return lines
