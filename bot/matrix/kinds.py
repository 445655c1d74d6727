"""What a resource type is when no service of ofin's is: vocabulary/resource_kinds.yaml.

The services' own ``resource_types:`` say which types are which service; this file says what the
rest are, so a template's reader sees ``random_password`` as "Terraform's random provider" and
``AWS::CloudFormation::WaitCondition`` as CloudFormation's own, never as gaps in ofin's knowledge:

- ``not_a_service``: AWS types that create no service's resource (CloudFormation's machinery,
  custom resources, CDK's metadata);
- ``other_providers``: other Terraform providers' types;
- ``not_yet_known``: AWS services with no record yet, named so the reader knows what they are.

``check_kinds`` gives file:line problems for `kb check`, including a type a service lists now.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.kb.loader import DEFAULT_DIR, display_path
from bot.kb.model import IAC_TOOLS, KnowledgeBase, KnowledgeError, Problem

try:  # libyaml's composer is faster, and its nodes keep their marks too
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

KINDS_PATH = DEFAULT_DIR / "vocabulary" / "resource_kinds.yaml"
GROUPS = ("not_a_service", "other_providers", "not_yet_known")
_ENTRY_KEYS = (*IAC_TOOLS, "what")
_PATTERNS = {
    "cloudformation": re.compile(r"[A-Z][A-Za-z0-9]*::(?:[A-Za-z0-9]+::)?(?:[A-Za-z0-9]+|\*)"),
    "terraform": re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*(?:_\*)?"),
}
_EXAMPLES = {
    "cloudformation": "'AWS::CloudFormation::WaitCondition', 'Custom::*' or 'AWS::DMS::*'",
    "terraform": "'null_resource' or 'random_*'",
}


@dataclass(frozen=True)
class Kind:
    """A resource type (or ``prefix*``) that is no service of ofin's, and what it is."""

    group: str  # one of GROUPS
    tool: str  # one of IAC_TOOLS
    pattern: str
    what: str
    line: int = 0

    def matches(self, resource_type: str) -> bool:
        """True when ``resource_type`` is this type or starts with this prefix."""
        if self.pattern.endswith("*"):
            return resource_type.startswith(self.pattern[:-1])
        return resource_type == self.pattern


@dataclass(frozen=True)
class ResourceKinds:
    """Every kind in the file, in file order."""

    kinds: tuple[Kind, ...] = ()

    def kind_of(self, tool: str, resource_type: str) -> Kind | None:
        """The kind of a type: an exact entry, else the longest prefix; None when none fits."""
        best: Kind | None = None
        for kind in self.kinds:
            if kind.tool != tool or not kind.matches(resource_type):
                continue
            if kind.pattern == resource_type:
                return kind
            if best is None or len(kind.pattern) > len(best.pattern):
                best = kind
        return best


def read_kinds(path: Path = KINDS_PATH) -> tuple[ResourceKinds, list[Problem]]:
    """The kinds in ``path`` and the problems found reading it (no file: none, no problem)."""
    if not path.is_file():
        return ResourceKinds(), []
    where = display_path(path)
    problems: list[Problem] = []

    def report(node: Node | None, message: str) -> None:
        problems.append(Problem(where, node.start_mark.line + 1 if node else 0, message))

    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        return ResourceKinds(), [Problem(where, line, f"not valid YAML: {exc.problem}")]
    if not isinstance(root, MappingNode):
        report(root, f"expected a mapping of {', '.join(GROUPS)}")
        return ResourceKinds(), problems
    kinds: list[Kind] = []
    for key, value in root.value:
        group = key.value if isinstance(key, ScalarNode) else ""
        if group not in GROUPS:
            report(key, f"unknown list '{group}' (expected {', '.join(GROUPS)})")
            continue
        if not isinstance(value, SequenceNode):
            report(value, f"'{group}' must be a list of entries")
            continue
        for entry in value.value:
            kinds += _entry(group, entry, report)
    seen: dict[tuple[str, str], Kind] = {}
    for kind in kinds:
        first = seen.setdefault((kind.tool, kind.pattern), kind)
        if first is not kind:
            problems.append(
                Problem(
                    where,
                    kind.line,
                    f"'{kind.pattern}' is listed twice (first at line {first.line})",
                )
            )
    return ResourceKinds(tuple(kinds)), problems


def _entry(group: str, node: Node, report: Callable[[Node | None, str], None]) -> list[Kind]:
    """One entry: ``{cloudformation: [...], terraform: [...], what: "..."}``."""
    if not isinstance(node, MappingNode):
        report(node, "each entry must be a mapping with types and 'what'")
        return []
    values: dict[str, Node] = {}
    for key, value in node.value:
        name = key.value if isinstance(key, ScalarNode) else ""
        if name not in _ENTRY_KEYS:
            report(key, f"unknown key '{name}' (expected {', '.join(_ENTRY_KEYS)})")
        else:
            values[name] = value
    what = values.get("what")
    if not isinstance(what, ScalarNode) or not str(what.value).strip():
        report(what or node, "'what' must say in a few words what these resources are")
        return []
    if not any(tool in values for tool in IAC_TOOLS):
        report(node, f"an entry lists types under {' or '.join(IAC_TOOLS)}")
    kinds = []
    for tool in IAC_TOOLS:
        types = values.get(tool)
        if types is None:
            continue
        if not isinstance(types, SequenceNode) or not types.value:
            report(types, f"'{tool}' must be a list of resource types")
            continue
        for item in types.value:
            text = str(item.value) if isinstance(item, ScalarNode) else ""
            if not _PATTERNS[tool].fullmatch(text):
                report(item, f"'{text}' is not a {tool} resource type (like {_EXAMPLES[tool]})")
                continue
            kinds.append(Kind(group, tool, text, str(what.value).strip(), item.start_mark.line + 1))
    return kinds


def check_kinds(kb: KnowledgeBase, path: Path = KINDS_PATH) -> list[Problem]:
    """Problems of the file, and every type in it that a service's ``resource_types:`` lists."""
    kinds, problems = read_kinds(path)
    where = display_path(path)
    for kind in kinds.kinds:
        service = _service_listing(kb, kind)
        if service:
            problems.append(
                Problem(
                    where,
                    kind.line,
                    f"'{kind.pattern}' is the service '{service}' now (its resource_types list "
                    "it): remove it here",
                )
            )
    return problems


def _service_listing(kb: KnowledgeBase, kind: Kind) -> str | None:
    """The service whose ``resource_types:`` cover ``kind``'s type, or any type under its prefix."""
    if not kind.pattern.endswith("*"):
        return kb.service_for_type(kind.tool, kind.pattern)
    prefix = kind.pattern[:-1]
    for entry in kb.resource_types:
        if entry.tool == kind.tool and (
            entry.pattern.startswith(prefix)
            or (entry.is_prefix and prefix.startswith(entry.pattern[:-1]))
        ):
            return entry.service
    return None


def load_kinds(path: Path = KINDS_PATH) -> ResourceKinds:
    """The kinds in ``path``; KnowledgeError listing every problem of the file."""
    kinds, problems = read_kinds(path)
    if problems:
        raise KnowledgeError(problems)
    return kinds


@functools.cache
def default_kinds() -> ResourceKinds:
    """The kinds of knowledge/vocabulary/resource_kinds.yaml, read once."""
    return load_kinds(KINDS_PATH)
