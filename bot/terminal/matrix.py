"""`python -m bot matrix`: a stack's responsibility matrix on the command line."""

from __future__ import annotations

import json
import sys

from bot.answer.matcher import Matcher
from bot.commands.matrix import (
    EXAMPLE,
    MatrixResult,
    TemplateSummary,
    UnknownServicesResult,
    names_problem,
    no_service_text,
)
from bot.commands.results import Notice
from bot.kb.loader import load_or_exit
from bot.kb.model import Service
from bot.matrix.iac import TemplateError, map_resources
from bot.matrix.matrix import (
    MAX_SERVICES,
    ServiceNameReader,
    build_matrix,
    to_csv,
    to_data,
    to_markdown,
)
from bot.matrix.reader import read_isolated_file
from bot.terminal.console_matrix import matrix_text, unknown_services_text

FORMATS = ("table", "csv", "markdown", "json")


def run_matrix(
    names: str, *, template: str | None = None, fmt: str = "table", notes: bool = False
) -> int:
    """Print the matrix of the services in ``names`` and/or a template file.

    Exit 1 when a name is unknown or the template cannot be read, 2 when nothing was named.
    """
    if not names.strip() and template is None:
        print(
            f"ofin: which services? e.g. python -m bot {EXAMPLE}, or --from FILE", file=sys.stderr
        )
        return 2
    kb = load_or_exit()
    services: list[Service] = []
    summary = None
    if template is not None:
        try:
            stack = map_resources(kb, read_isolated_file(template))
        except TemplateError as exc:
            print(f"ofin: {exc}", file=sys.stderr)
            return 1
        services += stack.services
        summary = TemplateSummary.of(stack)
        if not stack.services and not names.strip():
            if fmt == "json":  # what was read, even without a matrix: tools check coverage
                print(json.dumps({"template": summary.data}, ensure_ascii=False, indent=2))
            print(f"ofin: {no_service_text(stack)}", file=sys.stderr)
            return 1
        if fmt != "table":  # the table shows it; other formats stay clean for tools
            print(template_lines(summary), file=sys.stderr)
    if names.strip():
        # Only the detector reads names: no embeddings, no fitted files.
        detector = Matcher(kb, semantic=False, model=False)
        parsed = ServiceNameReader(kb, detector.find_service).read(names)
        problem = names_problem(parsed)
        if isinstance(problem, UnknownServicesResult):
            print(unknown_services_text(problem), file=sys.stderr)
            return 1
        if isinstance(problem, Notice):
            print(f"ofin: {problem.text}", file=sys.stderr)
            return 2
        services += parsed.services
    if not services:
        print("ofin: no resource in the template maps to a service ofin knows.", file=sys.stderr)
        return 1
    matrix = build_matrix(kb, list(dict.fromkeys(services))[:MAX_SERVICES])
    emit(MatrixResult(matrix, template=summary), fmt=fmt, notes=notes)
    return 0


def template_lines(summary: TemplateSummary) -> str:
    """The template's summary, its unmapped types and the modules not read, for standard error."""
    return "\n".join(summary.lines())


def emit(result: MatrixResult, *, fmt: str, notes: bool) -> None:
    """Print ``result`` in ``fmt`` (one of FORMATS)."""
    if fmt == "csv":
        sys.stdout.write(to_csv(result.matrix, result.owners))
    elif fmt == "markdown":
        sys.stdout.write(to_markdown(result.matrix, result.owners, title=result.title))
    elif fmt == "json":
        data = to_data(result.matrix)
        if result.template is not None:
            data["template"] = result.template.data
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(matrix_text(result, notes=notes))
