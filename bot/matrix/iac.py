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
from yaml.nodes import MappingNode, Node, ScalarNode

from bot.kb.model import KnowledgeBase, Service

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
KINDS = {"cloudformation": "CloudFormation", "terraform": "Terraform", "plan": "Terraform plan"}
_HCL_BLOCK = re.compile(r'^\s*(?:resource|module|provider|terraform|variable)\s+["{a-z]', re.M)


class TemplateError(Exception):
    """A file that is not a template ofin can read; ``str()`` is ``name:line: message``."""

    def __init__(self, name: str, message: str, line: int | None = None) -> None:
        self.name = name
        self.line = line
        self.message = message
        where = f"{name}:{line}" if line else name
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Resource:
    """One resource of a template: its logical name (or address), type, and line when known."""

    name: str
    type: str
    line: int | None = None


@dataclass(frozen=True)
class Template:
    """What a template declares."""

    name: str
    kind: str  # a key of KINDS
    resources: tuple[Resource, ...]
    modules: tuple[str, ...] = ()  # Terraform modules, not followed

    @property
    def tool(self) -> str:
        """The resource-type vocabulary: "cloudformation" or "terraform"."""
        return "cloudformation" if self.kind == "cloudformation" else "terraform"

    @property
    def kind_name(self) -> str:
        """CloudFormation, Terraform or Terraform plan."""
        return KINDS[self.kind]


@dataclass(frozen=True)
class StackFromTemplate:
    """A template's resources as services, and the types ofin could not map."""

    template: Template
    services: tuple[Service, ...]  # in order of first appearance
    types_by_service: dict[str, tuple[str, ...]]
    unknown: tuple[tuple[str, int], ...]  # (type, how many), most frequent first

    def summary(self) -> str:
        """One line: "web.yaml (CloudFormation): 14 resources → 5 services"."""
        count = len(self.template.resources)
        text = (
            f"{self.template.name} ({self.template.kind_name}): {count} "
            f"resource{'s' if count != 1 else ''} → {len(self.services)} "
            f"service{'s' if len(self.services) != 1 else ''}"
        )
        if self.template.modules:
            text += f"; modules not followed: {', '.join(self.template.modules)}"
        return text

    def unknown_labels(self) -> tuple[str, ...]:
        """The unmapped types, "AWS::Logs::LogGroup ×2" when there are several."""
        return tuple(f"{t} ×{n}" if n > 1 else t for t, n in self.unknown)


def map_resources(kb: KnowledgeBase, template: Template) -> StackFromTemplate:
    """The services a template's resource types are, by each service's ``resource_types:``."""
    services: dict[str, Service] = {}
    types: dict[str, list[str]] = {}
    unknown: Counter[str] = Counter()
    for resource in template.resources:
        service_id = kb.service_for_type(template.tool, resource.type)
        service = kb.service(service_id) if service_id else None
        if service is None:
            unknown[resource.type] += 1
            continue
        services.setdefault(service.id, service)
        if resource.type not in types.setdefault(service.id, []):
            types[service.id].append(resource.type)
    return StackFromTemplate(
        template=template,
        services=tuple(services.values()),
        types_by_service={k: tuple(v) for k, v in types.items()},
        unknown=tuple(sorted(unknown.items(), key=lambda kv: (-kv[1], kv[0]))),
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
            template = _read_hcl(name, text)
        elif lower.endswith(".json") or text.lstrip().startswith("{"):
            template = _read_json(name, text)
        elif _HCL_BLOCK.search(text) and not lower.endswith((".yaml", ".yml", ".template")):
            template = _read_hcl(name, text)
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
        raise TemplateError(
            name, "no Resources section: not a CloudFormation template", root.start_mark.line + 1
        )
    if not isinstance(resources_node, MappingNode):
        raise TemplateError(
            name, "Resources must be a mapping of names to resources", _line(resources_node)
        )
    resources = []
    for key_node, value_node in resources_node.value:
        logical = key_node.value if isinstance(key_node, ScalarNode) else "?"
        type_node = _value(value_node, "Type") if isinstance(value_node, MappingNode) else None
        if not isinstance(type_node, ScalarNode) or not str(type_node.value).strip():
            raise TemplateError(name, f"resource '{logical}' has no Type", _line(key_node))
        resources.append(Resource(str(logical), str(type_node.value).strip(), _line(key_node)))
    return Template(name, "cloudformation", tuple(resources))


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
        return _terraform_blocks(name, data.get("resource"), data.get("module"))
    raise TemplateError(
        name,
        "neither a CloudFormation template (no Resources) nor a Terraform plan "
        "(no planned_values: use `terraform show -json plan.out`)",
        1,
    )


def _json_key_line(text: str, key: str) -> int | None:
    """The line where ``"key":`` first appears in JSON text (json keeps no positions)."""
    match = re.search(re.escape(json.dumps(key)) + r"\s*:", text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _cloudformation_json(name: str, resources: object, text: str) -> Template:
    if not isinstance(resources, dict):
        line = _json_key_line(text, "Resources")
        raise TemplateError(name, "Resources must be an object of names to resources", line)
    found = []
    for logical, body in resources.items():
        kind = body.get("Type") if isinstance(body, dict) else None
        line = _json_key_line(text, str(logical))
        if not isinstance(kind, str) or not kind.strip():
            raise TemplateError(name, f"resource '{logical}' has no Type", line)
        found.append(Resource(str(logical), kind.strip(), line))
    return Template(name, "cloudformation", tuple(found))


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
    return Template(name, "plan", tuple(found))


def _module_resources(module: dict, found: list[Resource], depth: int) -> None:
    if depth > 50:
        return
    for resource in module.get("resources") or []:
        if isinstance(resource, dict) and resource.get("mode", "managed") == "managed":
            found.append(Resource(str(resource.get("address", "?")), str(resource.get("type"))))
    for child in module.get("child_modules") or []:
        if isinstance(child, dict):
            _module_resources(child, found, depth + 1)


# ---- Terraform HCL


def _read_hcl(name: str, text: str) -> Template:
    import hcl2  # only when a .tf file is read: python-hcl2 builds its grammar on import
    from lark.exceptions import LarkError

    try:
        data = hcl2.loads(text)
    except LarkError as exc:
        line = getattr(exc, "line", None)
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        first = re.sub(r" at line \d+, column \d+\.?$", "", first)
        raise TemplateError(name, f"invalid Terraform (HCL): {first}", line) from None
    return _terraform_blocks(name, data.get("resource"), data.get("module"))


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _terraform_blocks(name: str, resource_blocks: object, module_blocks: object) -> Template:
    """Resources from HCL's parsed blocks (a list of {type: {name: body}}) or *.tf.json's dict."""
    found: list[Resource] = []
    for block in _as_list(resource_blocks):
        for kind, named in block.items():
            for logical in named if isinstance(named, dict) else {"?": None}:
                kind_text, logical_text = _unquote(str(kind)), _unquote(str(logical))
                found.append(Resource(f"{kind_text}.{logical_text}", kind_text))
    modules = []
    for block in _as_list(module_blocks):
        for module_name, body in block.items():
            source = _unquote(str(body.get("source", ""))) if isinstance(body, dict) else ""
            label = _unquote(str(module_name))
            modules.append(f"{label} ({source})" if source else label)
    return Template(name, "terraform", tuple(found), tuple(modules))


def _as_list(blocks: object) -> list[dict]:
    if isinstance(blocks, dict):
        return [blocks]
    if isinstance(blocks, list):
        return [b for b in blocks if isinstance(b, dict)]
    return []
