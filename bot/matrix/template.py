"""What ofin read out of infrastructure as code: resources, module calls, and what went wrong.

Plain records, shared by the readers (bot/matrix/iac.py, hcl.py, archive.py), the child process
that runs them (reader.py) and the mapping to services. A module call says what ofin could not
see when it was not followed, and how to get the complete answer.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

KINDS = {
    "cloudformation": "CloudFormation",
    "terraform": "Terraform",
    "plan": "Terraform plan",
}
PLAN_ROUTE = (
    "For the complete list, run `terraform plan -out plan.out && terraform show -json "
    "plan.out > plan.json` and give ofin plan.json: a plan holds every module's resources."
)
# Where a module's resources are, by the kind of its source: what ofin can and cannot see.
SOURCE_KINDS = {
    "local": "a local module",
    "registry": "a registry module",
    "remote": "a remote module (git, URL or bucket)",
    "stack": "a nested stack",
    "application": "a serverless application (SAR)",
    "rain": "a Rain module",
    "cfn-module": "a CloudFormation registry module",
}
_REGISTRY = re.compile(r"(?:[a-z0-9.-]+\.[a-z]{2,}/)?[\w-]+/[\w-]+/[\w-]+(?://.*)?")


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
    """One resource of a template: its logical name (or address), type, line and file if known."""

    name: str
    type: str
    line: int | None = None
    file: str = ""


@dataclass(frozen=True)
class ModuleCall:
    """A module or nested stack a template calls, and whether ofin read what it holds."""

    name: str  # the module's label, or the nested stack's logical id
    source: str  # as written: "../modules/db", "terraform-aws-modules/vpc/aws", a TemplateURL
    kind: str  # a key of SOURCE_KINDS
    file: str = ""
    line: int | None = None
    followed: bool = False
    why: str = ""  # when not followed: what ofin cannot see, and how to see it

    @property
    def label(self) -> str:
        """``module.vpc (terraform-aws-modules/vpc/aws)`` or ``stack Network (vpc.yaml)``."""
        prefix = "module." if self.kind in ("local", "registry", "remote") else ""
        noun = {"stack": "stack ", "application": "application ", "rain": "module "}
        head = f"{noun.get(self.kind, '')}{prefix}{self.name}"
        return f"{head} ({self.source})" if self.source else head

    def to_dict(self) -> dict:
        """Plain data, for JSON."""
        return asdict(self)

    def not_followed(self, why: str) -> ModuleCall:
        """This call, marked as not read, with why."""
        return replace(self, followed=False, why=why)


@dataclass(frozen=True)
class Template:
    """What a template (a file, a folder or an archive of a module tree) declares."""

    name: str
    kind: str  # a key of KINDS
    resources: tuple[Resource, ...]
    modules: tuple[ModuleCall, ...] = ()  # followed or not, each says which
    files: tuple[str, ...] = ()  # the files read, as named in the folder or archive

    @property
    def tool(self) -> str:
        """The resource-type vocabulary: "cloudformation" or "terraform"."""
        return "cloudformation" if self.kind == "cloudformation" else "terraform"

    @property
    def kind_name(self) -> str:
        """CloudFormation, Terraform or Terraform plan."""
        return KINDS[self.kind]

    @property
    def not_followed(self) -> tuple[ModuleCall, ...]:
        """The module calls whose resources ofin did not read."""
        return tuple(m for m in self.modules if not m.followed)

    def to_dict(self) -> dict:
        """Plain data (the child process's reply)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "resources": [asdict(r) for r in self.resources],
            "modules": [m.to_dict() for m in self.modules],
            "files": list(self.files),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Template:
        """The template ``to_dict`` wrote."""
        return cls(
            name=data["name"],
            kind=data["kind"],
            resources=tuple(Resource(**r) for r in data["resources"]),
            modules=tuple(ModuleCall(**m) for m in data["modules"]),
            files=tuple(data["files"]),
        )


def source_kind(source: str) -> str:
    """A Terraform module source's kind: local, registry or remote (Terraform's own rules)."""
    if source.startswith(("./", "../", ".\\", "..\\")) or source in (".", ".."):
        return "local"
    if "::" in source or "://" in source or source.startswith(("git@", "github.com/")):
        return "remote"
    if source.startswith(("bitbucket.org/", "gitlab.com/")):
        return "remote"
    return "registry" if _REGISTRY.fullmatch(source) else "remote"


def module_call(name: str, source: str, file: str, line: int | None) -> ModuleCall:
    """A Terraform module call, not followed yet (a folder's reader follows local ones)."""
    kind = source_kind(source)
    if kind == "local":
        why = (
            "a local module outside what ofin was given: give ofin the folder (`--from DIR`, "
            "or a zip of the module tree in Slack) so it can follow it"
        )
    else:
        why = f"{SOURCE_KINDS[kind]}: its resources are in the module, which ofin was not given"
    return ModuleCall(name, source, kind, file, line, followed=False, why=why)
