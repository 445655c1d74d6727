"""Read a module tree as Terraform does: a folder on disk, or a zip sent to ofin in a DM.

Terraform's unit is a folder: every ``*.tf`` and ``*.tf.json`` in it, and the local modules it
calls (``source = "./modules/db"``, ``"../../"``), each a folder too. ``gather_folder`` collects
those files from disk (following local sources it finds in the text, bounded);
``read_archive`` reads them out of a zip, bounded in entries, bytes and path depth, and
``read_tree`` reads the tree from its root module down, following local modules up to
MAX_MODULE_DEPTH deep and MAX_MODULE_CALLS calls in all. Registry and git modules are listed,
with what ofin cannot see and the plan route. A zip without Terraform is read as CloudFormation
templates: their resources together, a nested stack followed when its template is in the zip.

Both run in reader.py's bounded child process: nothing here is trusted, nothing is extracted.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import replace
from pathlib import Path

from bot.matrix.iac import MAX_RESOURCES, MAX_TEMPLATE_BYTES, read_template
from bot.matrix.template import ModuleCall, Resource, Template, TemplateError

MAX_TREE_BYTES = 4 * 1024 * 1024  # the files read out of a folder or a zip, together
MAX_ENTRIES = 2000  # entries in a zip (folders and files of any kind)
MAX_FILES = 500  # templates read out of a folder or a zip
MAX_PATH_DEPTH = 16  # folders in a path inside a zip
MAX_MODULE_DEPTH = 5  # local modules calling local modules
MAX_MODULE_CALLS = 100  # local module calls followed, in all
TERRAFORM_SUFFIXES = (".tf", ".tf.json")
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
_LOCAL_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.\.?(?:/[^"]*)?)"', re.M)
_CLOUDFORMATION = re.compile(r"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?AWS::")
_SKIP_DIRS = {".terraform", ".git", "node_modules", "cdk.out", ".aws-sam", "__MACOSX"}


def is_archive(name: str, data: bytes = b"") -> bool:
    """True for a zip, by its name or its first bytes."""
    return name.lower().endswith(".zip") or data[:4] == b"PK\x03\x04"


# ---- a folder on disk -----------------------------------------------------------------------


def gather_folder(folder: Path) -> tuple[dict[str, bytes], str]:
    """The files of the module tree rooted at ``folder``, by path, and the root's path among them.

    Reads the folder's ``*.tf``/``*.tf.json`` (or, with none, its CloudFormation templates) and,
    breadth first, the folders of the local modules they call. TemplateError past the bounds.
    """
    root = folder.resolve()
    read: dict[Path, bytes] = {}
    queue: list[tuple[Path, int]] = [(root, 0)]
    seen: set[Path] = set()
    total = 0
    while queue:
        directory, depth = queue.pop(0)
        if directory in seen or not directory.is_dir():
            continue
        seen.add(directory)
        paths = sorted(p for p in directory.iterdir() if p.name.endswith(TERRAFORM_SUFFIXES))
        if not paths and directory == root:
            paths = sorted(
                p for p in directory.iterdir() if p.name.lower().endswith(TEMPLATE_SUFFIXES)
            )
        for path in paths:
            if not path.is_file():
                continue
            size = path.stat().st_size
            total += size
            if size > MAX_TEMPLATE_BYTES or total > MAX_TREE_BYTES or len(read) >= MAX_FILES:
                raise TemplateError(folder.name, _too_much(len(read) + 1, total))
            data = path.read_bytes()
            if path.name.endswith(TERRAFORM_SUFFIXES) or _CLOUDFORMATION.search(
                data[:200_000].decode("utf-8", "replace")
            ):
                read[path] = data
            if path.name.endswith(".tf") and depth < MAX_MODULE_DEPTH:
                text = data.decode("utf-8", "replace")
                for source in _LOCAL_SOURCE.findall(text):
                    queue.append(((directory / source).resolve(), depth + 1))
    if not read:
        raise TemplateError(
            folder.name, "no *.tf, *.tf.json or CloudFormation template in this folder"
        )
    base = Path(posixpath.commonpath([str(p.parent) for p in read] + [str(root)]))
    files = {p.relative_to(base).as_posix(): data for p, data in read.items()}
    return files, root.relative_to(base).as_posix() if root != base else ""


def zip_files(files: dict[str, bytes]) -> bytes:
    """The files as a zip (how a folder reaches the bounded reader)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return out.getvalue()


def _too_much(files: int, total: int) -> str:
    return (
        f"more than ofin reads at once ({files} files, {total / 1024 / 1024:.1f} MB; at most "
        f"{MAX_FILES} files and {MAX_TREE_BYTES // 1024 // 1024} MB): give it the module's own "
        "folder, or a plan (`terraform show -json plan.out > plan.json`)"
    )


# ---- a zip ------------------------------------------------------------------------------------


def read_archive(name: str, data: bytes, root: str | None = None) -> Template:
    """Read the module tree (or the templates) in a zip; TemplateError past the bounds."""
    return read_tree(name, unzip(name, data), root)


def unzip(name: str, data: bytes) -> dict[str, bytes]:
    """The templates in a zip, by path: never more than the bounds, never on disk."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise TemplateError(name, "not a zip file ofin can open") from None
    if len(entries) > MAX_ENTRIES:
        raise TemplateError(name, f"{len(entries)} entries; ofin opens zips of up to {MAX_ENTRIES}")
    files: dict[str, bytes] = {}
    total = 0
    for entry in entries:
        path = posixpath.normpath(entry.filename.replace("\\", "/")).lstrip("/")
        parts = path.split("/")
        lower = path.lower()
        if entry.is_dir() or not lower.endswith((*TERRAFORM_SUFFIXES, *TEMPLATE_SUFFIXES)):
            continue
        if _SKIP_DIRS & set(parts) or path.startswith("..") or parts[-1].startswith("._"):
            continue
        if len(parts) > MAX_PATH_DEPTH:
            raise TemplateError(name, f"{path}: deeper than {MAX_PATH_DEPTH} folders")
        if entry.file_size > MAX_TEMPLATE_BYTES:
            continue  # not a template ofin would read alone either (package-lock.json...)
        if len(files) >= MAX_FILES:
            raise TemplateError(name, _too_much(len(files) + 1, total))
        try:
            with archive.open(entry) as handle:
                content = handle.read(MAX_TEMPLATE_BYTES + 1)  # never trust the declared size
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
            raise TemplateError(name, f"{path}: cannot be read out of the zip") from None
        total += len(content)
        if len(content) > MAX_TEMPLATE_BYTES:
            continue
        if total > MAX_TREE_BYTES:
            raise TemplateError(name, _too_much(len(files) + 1, total))
        files[path] = content
    return files


# ---- the tree ---------------------------------------------------------------------------------


def read_tree(name: str, files: dict[str, bytes], root: str | None = None) -> Template:
    """The resources of a module tree (by path), from ``root`` (default: the shallowest module)."""
    folders = sorted(
        {posixpath.dirname(p) for p in files if p.endswith(TERRAFORM_SUFFIXES)},
        key=lambda d: (d.count("/") + (d != ""), d),
    )
    if root is None and folders:
        root = folders[0]
    if root is not None and root in folders:
        return _TerraformTree(name, files).read(root)
    templates = {
        p: data
        for p, data in files.items()
        if not p.endswith(TERRAFORM_SUFFIXES)
        and _CLOUDFORMATION.search(data[:200_000].decode("utf-8", "replace"))
    }
    if not templates:
        raise TemplateError(name, "no Terraform module and no CloudFormation template in it")
    return _cloudformation_set(name, templates)


class _TerraformTree:
    """Terraform's reading of a tree: a folder's files, then the local modules it calls."""

    def __init__(self, name: str, files: dict[str, bytes]) -> None:
        self.name = name
        self.files = files
        self.parsed: dict[str, list[Template]] = {}
        self.calls = 0
        self.resources: list[Resource] = []
        self.modules: list[ModuleCall] = []
        self.read_files: list[str] = []

    def read(self, root: str) -> Template:
        self._module(root, "", 0, (root,))
        return Template(
            self.name,
            "terraform",
            tuple(self.resources),
            tuple(self.modules),
            files=tuple(self.read_files),
        )

    def _folder(self, folder: str) -> list[Template]:
        if folder not in self.parsed:
            templates = []
            for path in sorted(self.files):
                if posixpath.dirname(path) != folder or not path.endswith(TERRAFORM_SUFFIXES):
                    continue
                data = self.files[path]
                if data.strip():  # an empty variables.tf is fine for Terraform
                    templates.append(read_template(path, data))
                self.read_files.append(path)
            self.parsed[folder] = templates
        return self.parsed[folder]

    def _module(self, folder: str, prefix: str, depth: int, path: tuple[str, ...]) -> None:
        for template in self._folder(folder):
            for resource in template.resources:
                self.resources.append(replace(resource, name=prefix + resource.name))
                if len(self.resources) > MAX_RESOURCES:
                    raise TemplateError(self.name, f"more than {MAX_RESOURCES} resources")
            for call in template.modules:
                parent = prefix.removeprefix("module.") + "module." if prefix else ""
                named = replace(call, name=parent + call.name)
                if call.kind != "local":
                    self.modules.append(named)
                    continue
                target = posixpath.normpath(posixpath.join(folder, call.source))
                target = "" if target == "." else target
                why = self._why_not(target, depth, path)
                if why:
                    self.modules.append(named.not_followed(why))
                    continue
                self.calls += 1
                self.modules.append(replace(named, followed=True, why=""))
                child_prefix = f"{prefix}module.{call.name}."
                self._module(target, child_prefix, depth + 1, (*path, target))

    def _why_not(self, target: str, depth: int, path: tuple[str, ...]) -> str:
        if target.startswith("..") or not any(
            posixpath.dirname(p) == target and p.endswith(TERRAFORM_SUFFIXES) for p in self.files
        ):
            return (
                "a local module that is not in what ofin was given: give ofin the folder that "
                "holds both (or a zip of it)"
            )
        if target in path:
            return "a module that calls itself: not followed again"
        if depth + 1 > MAX_MODULE_DEPTH:
            return f"more than {MAX_MODULE_DEPTH} modules deep: not followed"
        if self.calls >= MAX_MODULE_CALLS:
            return f"more than {MAX_MODULE_CALLS} module calls: not followed"
        return ""


def _cloudformation_set(name: str, templates: dict[str, bytes]) -> Template:
    """Several CloudFormation templates read together; nested stacks found among them followed."""
    resources: list[Resource] = []
    modules: list[ModuleCall] = []
    basenames = {posixpath.basename(p) for p in templates}
    for path in sorted(templates):
        template = read_template(path, templates[path])
        resources += template.resources
        for call in template.modules:
            if call.source and posixpath.basename(call.source.split("?")[0]) in basenames:
                modules.append(replace(call, followed=True, why=""))
            else:
                modules.append(call)
        if len(resources) > MAX_RESOURCES:
            raise TemplateError(name, f"more than {MAX_RESOURCES} resources")
    return Template(
        name, "cloudformation", tuple(resources), tuple(modules), tuple(sorted(templates))
    )
