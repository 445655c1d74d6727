"""What no schema can say: checks across entries and files, with "did you mean".

Ids, names and resource types must be unique across the whole knowledge base; the services,
items and areas an entry names must exist; a quiz answer must be among its choices; every matrix
area needs an owner on every service. Each problem is reported where the offending text was
written (a ``Ref``), and names where the other one is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.kb.model import Problem, normalize_alias
from bot.kb.records import ParsedArea, ParsedItem, ParsedService, ParsedType, Ref
from bot.kb.suggest import one_of, unknown_id
from bot.kb.yamldoc import Document, Path_


def quiz(doc: Document, item_path: Path_, data: dict[str, object]) -> list[Problem]:
    """Each quiz question of one item: its answer among its choices, no choice given twice."""
    problems: list[Problem] = []
    questions = data.get("quiz")
    for number, question in enumerate(questions if isinstance(questions, list) else []):
        if not isinstance(question, dict):
            continue
        path = (*item_path, "quiz", number)
        choices = question.get("choices", ["aws", "customer", "shared"])
        if not isinstance(choices, list):
            continue
        texts: list[str] = []
        seen: set[str] = set()
        for i, choice in enumerate(choices):
            text = doc.text((*path, "choices", i), choice)
            if text is None:
                continue
            texts.append(text)
            key = normalize_alias(text) or text
            if key in seen:
                line = doc.line((*path, "choices", i))
                problems.append(Problem(doc.file, line, f"duplicate choice '{text}'"))
            seen.add(key)
        answer = doc.text((*path, "answer"), question.get("answer"))
        if answer is not None and answer not in texts:
            problems.append(
                Problem(
                    doc.file,
                    doc.line((*path, "answer")),
                    f"answer '{answer}' is not among the choices ({', '.join(texts)})",
                )
            )
    return problems


def services(parsed: Sequence[ParsedService]) -> list[Problem]:
    """Duplicate service ids, and ids, names or aliases two services share."""
    return _duplicate_ids((p.id for p in parsed if p.id), "service id") + _name_clashes(
        (((p.service.file, p.service.line), p.service.id, p.names) for p in parsed), "service"
    )


def items(parsed: Sequence[ParsedItem]) -> list[Problem]:
    """Duplicate item ids, and titles or aliases two items share."""
    return _duplicate_ids((p.id for p in parsed if p.id), "id") + _name_clashes(
        (((p.item.file, p.item.line), p.item.id, p.names) for p in parsed), "item"
    )


def _duplicate_ids(refs: Iterable[Ref], what: str) -> list[Problem]:
    """Report each id seen before, naming where it was first."""
    first: dict[str, Ref] = {}
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
    entries: Iterable[tuple[tuple[str, int], str, Sequence[Ref]]], noun: str
) -> list[Problem]:
    """Report a name that normalises like a name of another entry, or an alias given twice.

    ``entries`` are (identity, id, names) of the items, or of the services (``noun``), in order.
    """
    seen: dict[str, tuple[tuple[str, int], str, Ref]] = {}
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


def service_refs(
    items: Sequence[ParsedItem],
    services: Sequence[ParsedService],
    have_services: bool,
    services_dir: str,
) -> list[Problem]:
    """Every service an item names must be a known service (and there must be services)."""
    refs = [ref for parsed in items for ref in parsed.service_refs]
    if not refs:
        return []
    if not have_services:
        first = refs[0]
        return [
            first.problem(
                f"service '{first.text}' is referenced, but there are no services "
                f"(no *.yaml in {services_dir}/)"
            )
        ]
    known = sorted({p.id.text for p in services if p.id})
    return [
        ref.problem(unknown_id("service", ref.text, known, "no service has this id"))
        for ref in refs
        if ref.text not in known
    ]


def resource_types(types: Sequence[ParsedType]) -> list[Problem]:
    """No resource type is listed twice, by one service or two."""
    problems: list[Problem] = []
    first: dict[tuple[str, str], ParsedType] = {}
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


def areas(
    areas: Sequence[ParsedArea], items: Sequence[ParsedItem], services: Sequence[ParsedService]
) -> list[Problem]:
    """Areas and services' area maps name known areas and items; every area has an owner on
    every service."""
    problems = _duplicate_ids(
        (Ref(p.area.id, "id", p.area.file, p.area.line) for p in areas if p.area.id), "area id"
    )
    items_by_id = {p.item.id: p.item for p in items}
    item_ids = sorted(items_by_id)
    area_ids = [p.area.id for p in areas if p.area.id]

    def unknown_item(ref: Ref) -> Problem:
        return ref.problem(unknown_id("item", ref.text, item_ids, "no item has this id"))

    problems += [unknown_item(r) for p in areas for r in p.item_refs if r.text not in items_by_id]
    for parsed in services:
        for area_ref, item_ref in parsed.area_choices:
            if area_ref.text not in area_ids:
                problems.append(
                    area_ref.problem(
                        unknown_id("area", area_ref.text, area_ids, f"expected {one_of(area_ids)}")
                    )
                )
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
