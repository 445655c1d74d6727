"""Measure `matrix --from` on real infrastructure as code: files read, mapped resources, crashes.

Walks the folders given, finds the templates in them (CloudFormation/SAM YAML or JSON by their
``AWSTemplateFormatVersion`` or an ``AWS::`` resource type, Terraform ``*.tf``/``*.tf.json``),
reads each one as ``python -m bot matrix --from`` would, in-process (the budgets of
bot/matrix/iac.py's prescan apply), and prints:

- files: read / refused with a clear error / crashed (any exception that is not TemplateError);
- AWS resources (``AWS::*``, ``aws_*``): mapped to a service, listed apart as no service
  (CloudFormation's own WaitCondition, custom resources...), unmapped; the share mapped;
- other providers' resources (``random_*``, ``kubernetes_*``...), by what ofin calls them;
- the most frequent unmapped AWS types;
- Terraform module roots (each folder of ``*.tf``, read as ``--from DIR`` reads it, local modules
  followed): answered with a matrix, answered with the modules it could not read named, refused
  with a clear error, crashed.

Resources are counted once per file that declares them (a module followed from two roots is
not counted twice).

Usage: python bench/iac_coverage.py DIR [DIR...] [--top 40] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.kb.loader import load  # noqa: E402
from bot.matrix.archive import gather_folder, read_tree  # noqa: E402
from bot.matrix.iac import TemplateError, map_resources, read_template  # noqa: E402
from bot.matrix.kinds import default_kinds  # noqa: E402

_CLOUDFORMATION = re.compile(r"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?AWS::")
_SKIP_DIRS = {".git", "node_modules", ".terraform", "cdk.out", ".aws-sam"}


def candidates(root: Path) -> list[Path]:
    """The files under ``root`` that are templates by their name or their text."""
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or _SKIP_DIRS & set(path.parts):
            continue
        name = path.name.lower()
        if name.endswith((".tf", ".tf.json")):
            found.append(path)
        elif name.endswith((".yaml", ".yml", ".json", ".template")):
            try:
                head = path.read_text("utf-8", errors="replace")[:200_000]
            except OSError:
                continue
            if _CLOUDFORMATION.search(head):
                found.append(path)
    return found


def is_aws(resource_type: str) -> bool:
    """An AWS resource: CloudFormation's AWS:: namespace or the aws provider's aws_ types."""
    return resource_type.startswith(("AWS::", "aws_"))


def measure(roots: list[Path]) -> dict:
    """Read every template under ``roots``; the counts this script prints."""
    kb = load()
    kinds = default_kinds()
    apart: Counter[str] = Counter()
    files: Counter[str] = Counter()
    errors: list[str] = []
    crashes: list[str] = []
    mapped: Counter[str] = Counter()
    unmapped: Counter[str] = Counter()
    other: Counter[str] = Counter()
    for root in roots:
        for path in candidates(root):
            try:
                template = read_template(path.name, path.read_bytes())
            except TemplateError as exc:
                files["clear error"] += 1
                errors.append(f"{path}: {exc.message}")
                continue
            except Exception as exc:  # noqa: BLE001 - a crash is what this counts
                files["crash"] += 1
                crashes.append(f"{path}: {type(exc).__name__}: {exc}")
                continue
            files["read"] += 1
            for resource in template.resources:
                kind = kinds.kind_of(template.tool, resource.type)
                if kb.service_for_type(template.tool, resource.type):
                    mapped[resource.type] += 1
                elif kind is not None and kind.group != "not_yet_known":
                    apart[f"{resource.type} ({kind.group})"] += 1
                elif not is_aws(resource.type):
                    other[resource.type] += 1
                else:
                    unmapped[resource.type] += 1
    total_aws = sum(mapped.values()) + sum(unmapped.values())
    roots = _module_roots(kb, roots)
    return {
        "module_roots": roots,
        "apart_resources": sum(apart.values()),
        "apart_types": apart.most_common(),
        "files": dict(files),
        "aws_resources": total_aws,
        "mapped": sum(mapped.values()),
        "unmapped": sum(unmapped.values()),
        "mapped_share": round(sum(mapped.values()) / total_aws, 4) if total_aws else None,
        "other_resources": sum(other.values()),
        "unmapped_types": unmapped.most_common(),
        "other_types": other.most_common(),
        "errors": errors,
        "crashes": crashes,
    }


def _module_roots(kb: object, roots: list[Path]) -> dict:
    """Every folder of *.tf read as a module root: answered, modules named, error, crash."""
    outcome: Counter[str] = Counter()
    for root in roots:
        folders = sorted({p.parent for p in root.rglob("*.tf") if not _SKIP_DIRS & set(p.parts)})
        for folder in folders:
            try:
                files, where = gather_folder(folder)
                stack = map_resources(kb, read_tree(folder.name, files, where))  # type: ignore[arg-type]
            except TemplateError:
                outcome["clear error"] += 1
                continue
            except Exception:  # noqa: BLE001 - a crash is what this counts
                outcome["crash"] += 1
                continue
            if stack.services:
                outcome["matrix"] += 1
            elif stack.template.not_followed:
                outcome["modules named"] += 1
            else:
                outcome["no AWS service"] += 1
    return dict(outcome)


def main() -> int:
    """Print the measure of the folders given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.roots)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    files = result["files"]
    print(
        f"files: {sum(files.values())}: read {files.get('read', 0)}, clear error "
        f"{files.get('clear error', 0)}, crash {files.get('crash', 0)}"
    )
    share = result["mapped_share"]
    print(
        f"AWS resources: {result['aws_resources']}: mapped {result['mapped']} "
        f"({share:.1%}), unmapped {result['unmapped']} "
        f"({len(result['unmapped_types'])} types)"
        if share is not None
        else "AWS resources: none"
    )
    print(f"listed apart (no AWS service, other providers): {result['apart_resources']}")
    print(f"other resources, unlisted: {result['other_resources']}")
    print(f"Terraform module roots: {result['module_roots']}")
    print(f"\nmost frequent unmapped AWS types (top {args.top}):")
    for kind, count in result["unmapped_types"][: args.top]:
        print(f"  {count:5}  {kind}")
    print("\nother resources:")
    for kind, count in result["other_types"][: args.top]:
        print(f"  {count:5}  {kind}")
    if result["crashes"]:
        print("\ncrashes:")
        print("\n".join(f"  {c}" for c in result["crashes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
