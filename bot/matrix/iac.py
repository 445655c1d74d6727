"""Read the resource types out of infrastructure as code: CloudFormation, Terraform, plans.

``read_template(name, data)`` takes a file's name and bytes (at most MAX_TEMPLATE_BYTES) and
returns its resources, or raises TemplateError saying where (``name:line: message``):

- CloudFormation, YAML or JSON. YAML is only *composed* into a node tree, never constructed into
  objects: short-form tags (``!Ref``, ``!GetAtt``, ``!Sub``…) are kept as node tags and cost
  nothing, no Python object is ever built from a tag, and only ``Resources.<name>.Type`` is read,
  so an alias bomb is never expanded (a file with more than MAX_YAML_ALIASES aliases is refused
  anyway, and says so).
- Terraform ``*.tf`` (HCL, with python-hcl2) and ``*.tf.json``; modules are listed, not followed.
- A ``terraform show -json`` plan (or state): every managed resource, child modules included.

Before any parser runs, ``prescan`` holds the text to a budget that a real template never
nears and a hostile one always breaks: nesting depth, interpolations, resources and digits in a
number, each refused at once with its line (python-hcl2 spent 27 s of CPU and 740 MB on an
800 KB file of 200,000 interpolations; a 5,000-digit number broke Python's int conversion).
bot/matrix/reader.py runs all of this in a child process bounded in time and memory.

``map_resources(kb, template)`` maps the types to services with the services'
``resource_types:``; types it cannot map are listed, never dropped. No Slack, no store.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.kb.model import KnowledgeBase, Service
from bot.matrix.hcl import read_hcl, terraform_blocks
from bot.matrix.kinds import ResourceKinds, default_kinds
from bot.matrix.template import (
    KINDS,
    PLAN_ROUTE,
    ModuleCall,
    Resource,
    Template,
    TemplateError,
)

__all__ = ["KINDS", "ModuleCall", "Resource", "Template", "TemplateError"]

try:  # libyaml's parser is several times faster; its nodes keep their marks too
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

MAX_TEMPLATE_BYTES = 1024 * 1024  # 1 MB
MAX_YAML_ALIASES = 100
MAX_RESOURCES = 5000
MAX_DEPTH = 64  # brackets and braces, open at once
MAX_INTERPOLATIONS = 5000  # "${" and "%{" (Terraform); a large real module has hundreds
MAX_NUMBER_DIGITS = 100  # a run of digits longer than this is no number a template needs
_RESOURCE_LINE = re.compile(
    r'^\s*(?:resource\s+"|"?Type"?\s*:\s*"?(?:AWS|Alibaba|OS|Custom)::)', re.M
)
_LONG_DIGITS = re.compile(rf"[0-9]{{{MAX_NUMBER_DIGITS + 1},}}")
_HCL_BLOCK = re.compile(r'^\s*(?:resource|module|provider|terraform|variable)\s+["{a-z]', re.M)


@dataclass(frozen=True)
class TypeCount:
    """A resource type that is no service of ofin's, how many resources have it, and what it is."""

    type: str
    count: int
    group: str = "unknown"  # a kinds.GROUPS entry, or "unknown"
    what: str = ""  # from knowledge/vocabulary/resource_kinds.yaml

    @property
    def label(self) -> str:
        """``AWS::DMS::Endpoint ×4 (AWS Database Migration Service)``."""
        text = f"{self.type} ×{self.count}" if self.count > 1 else self.type
        return f"{text} ({self.what})" if self.group == "not_yet_known" else text


@dataclass(frozen=True)
class StackFromTemplate:
    """A template's resources as services; the types ofin could not map; those that are none."""

    template: Template
    services: tuple[Service, ...]  # in order of first appearance
    types_by_service: dict[str, tuple[str, ...]]
    unknown: tuple[TypeCount, ...]  # AWS types of no service ofin knows, most frequent first
    apart: tuple[TypeCount, ...] = ()  # no AWS service, or another provider's: not a gap
    mapped: tuple[tuple[str, int], ...] = ()  # (type, how many) mapped to a service

    def summary(self) -> str:
        """One line: "web.yaml (CloudFormation): 14 resources → 5 services"."""
        count = len(self.template.resources)
        text = (
            f"{self.template.name} ({self.template.kind_name}): {count} "
            f"resource{'s' if count != 1 else ''} → {len(self.services)} "
            f"service{'s' if len(self.services) != 1 else ''}"
        )
        followed = sum(1 for m in self.template.modules if m.followed)
        if followed:
            text += f", {followed} module{'s' if followed != 1 else ''} followed"
        skipped = len(self.template.not_followed)
        if skipped:
            text += f"; {skipped} module{'s' if skipped != 1 else ''} not read"
        return text

    def unknown_labels(self) -> tuple[str, ...]:
        """The unmapped types, "AWS::Cognito::UserPool ×2" when there are several."""
        return tuple(t.label for t in self.unknown)

    def apart_labels(self) -> tuple[str, ...]:
        """The types that are no AWS service, grouped by what they are."""
        by_what: dict[str, list[str]] = {}
        for t in self.apart:
            by_what.setdefault(t.what, []).append(f"{t.type} ×{t.count}" if t.count > 1 else t.type)
        return tuple(f"{', '.join(types)}: {what}" for what, types in by_what.items())

    def module_labels(self) -> tuple[str, ...]:
        """Each module not read, with what ofin cannot see (``complete_answer`` says what to do)."""
        return tuple(f"{m.label}: {m.why}" for m in self.template.not_followed)

    @property
    def complete_answer(self) -> str:
        """How to get every resource when some are in Terraform modules ofin did not read."""
        if self.template.tool == "terraform" and self.template.not_followed:
            return PLAN_ROUTE
        return ""

    def to_dict(self) -> dict:
        """What was read, as plain data: tool, resources, mapped and unmapped types, modules."""
        aws = sum(n for _, n in self.mapped) + sum(t.count for t in self.unknown)
        mapped = sum(n for _, n in self.mapped)
        return {
            "name": self.template.name,
            "tool": self.template.tool,
            "kind": self.template.kind_name,
            "files": list(self.template.files),
            "resources": len(self.template.resources),
            "aws_resources": aws,
            "mapped_resources": mapped,
            "mapped_share": round(mapped / aws, 4) if aws else None,
            "services": [s.id for s in self.services],
            "mapped": [
                {"type": t, "count": n, "service": self._service_of(t)} for t, n in self.mapped
            ],
            "unmapped": [
                {"type": t.type, "count": t.count, **({"what": t.what} if t.what else {})}
                for t in self.unknown
            ],
            "apart": [
                {"type": t.type, "count": t.count, "kind": t.group, "what": t.what}
                for t in self.apart
            ],
            "modules": {
                "followed": [m.to_dict() for m in self.template.modules if m.followed],
                "not_followed": [m.to_dict() for m in self.template.not_followed],
                "complete_answer": self.complete_answer or None,
            },
        }

    def _service_of(self, resource_type: str) -> str:
        return next((s for s, types in self.types_by_service.items() if resource_type in types), "")


def map_resources(
    kb: KnowledgeBase, template: Template, kinds: ResourceKinds | None = None
) -> StackFromTemplate:
    """The services a template's resource types are, by each service's ``resource_types:``;
    the rest said for what they are by knowledge/vocabulary/resource_kinds.yaml."""
    kinds = default_kinds() if kinds is None else kinds
    services: dict[str, Service] = {}
    types: dict[str, list[str]] = {}
    mapped: Counter[str] = Counter()
    rest: Counter[str] = Counter()
    for resource in template.resources:
        service_id = kb.service_for_type(template.tool, resource.type)
        service = kb.service(service_id) if service_id else None
        if service is None:
            rest[resource.type] += 1
            continue
        mapped[resource.type] += 1
        services.setdefault(service.id, service)
        if resource.type not in types.setdefault(service.id, []):
            types[service.id].append(resource.type)
    unknown: list[TypeCount] = []
    apart: list[TypeCount] = []
    for resource_type, count in sorted(rest.items(), key=lambda kv: (-kv[1], kv[0])):
        kind = kinds.kind_of(template.tool, resource_type)
        if kind is None:
            unknown.append(TypeCount(resource_type, count))
        elif kind.group == "not_yet_known":
            unknown.append(TypeCount(resource_type, count, kind.group, kind.what))
        else:
            apart.append(TypeCount(resource_type, count, kind.group, kind.what))
    return StackFromTemplate(
        template=template,
        services=tuple(services.values()),
        types_by_service={k: tuple(v) for k, v in types.items()},
        unknown=tuple(unknown),
        apart=tuple(apart),
        mapped=tuple(sorted(mapped.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


# ---------------------------------------------------------------------------------------------
# Reading


def read_template_file(path: Path | str) -> Template:
    """Read a template file; TemplateError when it is missing, too big or unreadable."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_TEMPLATE_BYTES:
            raise TemplateError(name, too_big(size))
        with path.open("rb") as handle:
            data = handle.read(MAX_TEMPLATE_BYTES + 1)
    except OSError as exc:
        raise TemplateError(name, f"cannot read the file: {exc.strerror or exc}") from None
    return read_template(name, data)


def too_big(size: int) -> str:
    """The message for a file over the limit."""
    return (
        f"the file is {size / 1024 / 1024:.1f} MB; ofin reads templates up to "
        f"{MAX_TEMPLATE_BYTES // 1024 // 1024} MB"
    )


def read_template(name: str, data: bytes) -> Template:
    """Read a template's resources from its bytes; TemplateError says what is wrong, and where."""
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateError(name, too_big(len(data)))
    text = _text(name, data)
    if not text.strip():
        raise TemplateError(name, "the file is empty")
    prescan(name, text)
    lower = name.lower()
    try:
        if lower.endswith(".tf"):
            template = read_hcl(name, text)
        elif lower.endswith(".json") or text.lstrip().startswith("{"):
            template = _read_json(name, text)
        elif _HCL_BLOCK.search(text) and not lower.endswith((".yaml", ".yml", ".template")):
            template = read_hcl(name, text)
        else:
            template = _read_yaml(name, text)
    except RecursionError:
        raise TemplateError(name, "the file is nested too deeply to be a template") from None
    except ValueError as exc:  # Python's own limits, e.g. an int of more than 4,300 digits
        raise TemplateError(name, f"a value ofin cannot read ({str(exc)[:80]})") from None
    if len(template.resources) > MAX_RESOURCES:
        raise TemplateError(
            name, f"{len(template.resources)} resources; ofin reads at most {MAX_RESOURCES}"
        )
    return template


def prescan(name: str, text: str) -> None:
    """Refuse, before parsing, text past the budget of any real template (TemplateError)."""
    long_number = _LONG_DIGITS.search(text)
    if long_number:
        raise TemplateError(
            name,
            f"a number of more than {MAX_NUMBER_DIGITS} digits: not a template value",
            _line_at(text, long_number.start()),
        )
    interpolations = text.count("${") + text.count("%{")
    if interpolations > MAX_INTERPOLATIONS:
        raise TemplateError(
            name, f"{interpolations:,} interpolations; ofin reads at most {MAX_INTERPOLATIONS:,}"
        )
    resources = len(_RESOURCE_LINE.findall(text))
    if resources > MAX_RESOURCES:
        raise TemplateError(name, f"{resources} resources; ofin reads at most {MAX_RESOURCES}")
    depth = 0
    for match in re.finditer(r"[\[\]{}]", text):
        depth = depth + 1 if match.group() in "[{" else max(0, depth - 1)
        if depth > MAX_DEPTH:
            raise TemplateError(
                name,
                f"nested more than {MAX_DEPTH} deep: not a template",
                _line_at(text, match.start()),
            )


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _text(name: str, data: bytes) -> str:
    """The file as text; TemplateError for binary data."""
    if b"\x00" in data[:8192]:
        raise TemplateError(name, "this is a binary file, not a template (YAML, JSON or .tf)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise TemplateError(name, "not UTF-8 text: is it a template?", line) from None


# ---- CloudFormation YAML: composed, never constructed
#
# Besides resources, a template can call what ofin does not see in it: nested stacks
# (AWS::CloudFormation::Stack, SAM's AWS::Serverless::Application), Rain modules
# (Type: !Rain::Module path) and registry modules (Type: Org::Service::Thing::MODULE). They are
# listed as module calls, with what to do for the complete answer. Fn::ForEach loops (the
# AWS::LanguageExtensions transform) are read through: the resources they stamp out are counted
# once each.

_NESTED = {
    "AWS::CloudFormation::Stack": ("stack", "TemplateURL"),
    "AWS::Serverless::Application": ("application", "Location"),
}
_FOR_EACH = "Fn::ForEach::"
_NESTED_WHY = (
    "a nested stack: its resources are in its own template; give ofin both (`--from DIR` on "
    "their folder, or a zip of them in Slack)"
)
_RAIN_WHY = (
    "a Rain module: `rain pkg` writes the template with the module's resources in it; give "
    "ofin that"
)
_MODULE_WHY = (
    "a CloudFormation registry module: its resources are in the module, not in the template; "
    "give ofin the module's template too"
)
MAX_FOR_EACH_DEPTH = 5  # Fn::ForEach inside Fn::ForEach: CloudFormation allows 5 levels


def _nested_call(name: str, logical: str, kind: str, source: str, line: int | None) -> ModuleCall:
    why = {"rain": _RAIN_WHY, "cfn-module": _MODULE_WHY}.get(kind, _NESTED_WHY)
    return ModuleCall(logical, source, kind, name, line, followed=False, why=why)


def _read_yaml(name: str, text: str) -> Template:
    aliases = 0
    try:
        for event in yaml.parse(text, Loader=_YamlLoader):
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_YAML_ALIASES:
                    raise TemplateError(
                        name,
                        f"more than {MAX_YAML_ALIASES} YAML aliases: refused (a guard against "
                        "'billion laughs' files)",
                        event.start_mark.line + 1 if event.start_mark else None,
                    )
        root = yaml.compose(text, Loader=_YamlLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"invalid YAML: {exc.problem or exc.context or 'syntax error'}"
        raise TemplateError(name, message, mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise TemplateError(name, f"invalid YAML: {exc}") from None
    if not isinstance(root, MappingNode):
        raise TemplateError(name, "not a CloudFormation template (expected a mapping)", 1)
    resources_node = _value(root, "Resources")
    if resources_node is None:
        if _value(root, "service") is not None and _value(root, "provider") is not None:
            raise TemplateError(
                name,
                "a Serverless Framework file: run `serverless package` and give ofin "
                ".serverless/cloudformation-template-update-stack.json",
            )
        raise TemplateError(
            name, "no Resources section: not a CloudFormation template", root.start_mark.line + 1
        )
    if isinstance(resources_node, ScalarNode) and resources_node.value == "":
        raise TemplateError(name, "Resources is empty: no resource to read", _line(resources_node))
    if not isinstance(resources_node, MappingNode):
        raise TemplateError(
            name, "Resources must be a mapping of names to resources", _line(resources_node)
        )
    resources: list[Resource] = []
    modules: list[ModuleCall] = []
    _yaml_resources(name, resources_node, resources, modules, 0)
    return Template(name, "cloudformation", tuple(resources), tuple(modules), files=(name,))


def _yaml_resources(
    name: str,
    mapping: MappingNode,
    resources: list[Resource],
    modules: list[ModuleCall],
    depth: int,
) -> None:
    for key_node, value_node in mapping.value:
        logical = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
        line = _line(key_node)
        if logical.startswith(_FOR_EACH) and depth < MAX_FOR_EACH_DEPTH:
            # [identifier, collection, {templated logical id: resource}]
            if isinstance(value_node, SequenceNode) and len(value_node.value) == 3:
                body = value_node.value[2]
                if isinstance(body, MappingNode):
                    _yaml_resources(name, body, resources, modules, depth + 1)
                    continue
            raise TemplateError(
                name, f"'{logical}' must be [identifier, collection, resources]", line
            )
        type_node = _value(value_node, "Type") if isinstance(value_node, MappingNode) else None
        if isinstance(type_node, ScalarNode) and type_node.tag == "!Rain::Module":
            modules.append(_nested_call(name, logical, "rain", str(type_node.value), line))
            continue
        if not isinstance(type_node, ScalarNode) or not str(type_node.value).strip():
            raise TemplateError(name, f"resource '{logical}' has no Type", line)
        kind = str(type_node.value).strip()
        if kind.endswith("::MODULE"):
            modules.append(_nested_call(name, logical, "cfn-module", kind, line))
            continue
        resources.append(Resource(logical, kind, line, name))
        if kind in _NESTED:
            call_kind, key = _NESTED[kind]
            properties = (
                _value(value_node, "Properties") if isinstance(value_node, MappingNode) else None
            )
            url = _value(properties, key) if isinstance(properties, MappingNode) else None
            source = str(url.value) if isinstance(url, ScalarNode) else ""
            modules.append(_nested_call(name, logical, call_kind, source, line))


def _value(mapping: MappingNode, key: str) -> Node | None:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return value_node
    return None


def _line(node: Node) -> int:
    return node.start_mark.line + 1


# ---- JSON: CloudFormation, a Terraform plan or state, or *.tf.json


def _read_json(name: str, text: str) -> Template:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(name, f"invalid JSON: {exc.msg}", exc.lineno) from None
    if not isinstance(data, dict):
        raise TemplateError(name, "not a template (expected a JSON object)", 1)
    if "Resources" in data:
        return _cloudformation_json(name, data["Resources"], text)
    if any(k in data for k in ("planned_values", "resource_changes", "values")):
        return _plan(name, data)
    if "resource" in data or "module" in data:
        return terraform_blocks(name, data.get("resource"), data.get("module"), "")
    if name.lower().endswith(".tf.json") and data.keys() <= _TERRAFORM_JSON_KEYS:
        return Template(name, "terraform", (), files=(name,))  # variables.tf.json and the like
    raise TemplateError(
        name,
        "neither a CloudFormation template (no Resources) nor a Terraform plan "
        "(no planned_values: use `terraform show -json plan.out`)",
        1,
    )


_TERRAFORM_JSON_KEYS = {"variable", "output", "locals", "provider", "terraform", "data", "//"}


def _json_key_line(text: str, key: str) -> int | None:
    """The line where ``"key":`` first appears in JSON text (json keeps no positions)."""
    match = re.search(re.escape(json.dumps(key)) + r"\s*:", text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _cloudformation_json(name: str, resources: object, text: str) -> Template:
    if resources is None:
        raise TemplateError(
            name, "Resources is empty: no resource to read", _json_key_line(text, "Resources")
        )
    if not isinstance(resources, dict):
        line = _json_key_line(text, "Resources")
        raise TemplateError(name, "Resources must be an object of names to resources", line)
    found: list[Resource] = []
    modules: list[ModuleCall] = []
    _json_resources(name, resources, text, found, modules, 0)
    return Template(name, "cloudformation", tuple(found), tuple(modules), files=(name,))


def _json_resources(
    name: str,
    resources: dict,
    text: str,
    found: list[Resource],
    modules: list[ModuleCall],
    depth: int,
) -> None:
    for logical, body in resources.items():
        line = _json_key_line(text, str(logical))
        if str(logical).startswith(_FOR_EACH) and depth < MAX_FOR_EACH_DEPTH:
            if isinstance(body, list) and len(body) == 3 and isinstance(body[2], dict):
                _json_resources(name, body[2], text, found, modules, depth + 1)
                continue
            raise TemplateError(
                name, f"'{logical}' must be [identifier, collection, resources]", line
            )
        kind = body.get("Type") if isinstance(body, dict) else None
        if isinstance(kind, dict) and isinstance(kind.get("Rain::Module"), str):
            modules.append(_nested_call(name, str(logical), "rain", kind["Rain::Module"], line))
            continue
        if not isinstance(kind, str) or not kind.strip():
            raise TemplateError(name, f"resource '{logical}' has no Type", line)
        kind = kind.strip()
        if kind.endswith("::MODULE"):
            modules.append(_nested_call(name, str(logical), "cfn-module", kind, line))
            continue
        found.append(Resource(str(logical), kind, line, name))
        if kind in _NESTED and isinstance(body, dict):
            call_kind, key = _NESTED[kind]
            url = (
                (body.get("Properties") or {}).get(key)
                if isinstance(body.get("Properties"), dict)
                else None
            )
            source = url if isinstance(url, str) else ""
            modules.append(_nested_call(name, str(logical), call_kind, source, line))


def _plan(name: str, data: dict) -> Template:
    values = data.get("planned_values") or data.get("values")
    found: list[Resource] = []
    if isinstance(values, dict) and isinstance(values.get("root_module"), dict):
        _module_resources(values["root_module"], found, depth=0)
    else:
        for change in data.get("resource_changes") or []:
            actions = ((change or {}).get("change") or {}).get("actions") or []
            if change.get("mode", "managed") == "managed" and actions != ["delete"]:
                found.append(Resource(str(change.get("address", "?")), str(change.get("type"))))
    if not found and not isinstance(values, dict) and not data.get("resource_changes"):
        raise TemplateError(name, "a Terraform plan without planned_values or resource_changes")
    return Template(name, "plan", tuple(found), files=(name,))


def _module_resources(module: dict, found: list[Resource], depth: int) -> None:
    if depth > 50:
        return
    for resource in module.get("resources") or []:
        if isinstance(resource, dict) and resource.get("mode", "managed") == "managed":
            found.append(Resource(str(resource.get("address", "?")), str(resource.get("type"))))
    for child in module.get("child_modules") or []:
        if isinstance(child, dict):
            _module_resources(child, found, depth + 1)
