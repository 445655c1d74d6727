"""`python -m bot matrix`: a stack's responsibility matrix on the command line."""

from __future__ import annotations

import json
import sys

from bot.commands import Notice
from bot.console_matrix import matrix_text, unknown_services_text
from bot.knowledge import load_or_exit
from bot.matcher import Matcher
from bot.matrix import Matrix, ServiceNameReader, build_matrix, to_csv, to_markdown
from bot.matrix_commands import (
    EXAMPLE,
    MatrixResult,
    UnknownServicesResult,
    names_problem,
)

FORMATS = ("table", "csv", "markdown", "json")


def run_matrix(names: str, *, fmt: str = "table", notes: bool = False) -> int:
    """Print the matrix of the services in ``names``; 1 when a name is unknown, 2 on no names."""
    if not names.strip():
        print(f"ofin: which services? e.g. python -m bot {EXAMPLE}", file=sys.stderr)
        return 2
    kb = load_or_exit()
    reader = ServiceNameReader(kb, Matcher(kb).find_service)
    parsed = reader.read(names)
    problem = names_problem(parsed)
    if isinstance(problem, UnknownServicesResult):
        print(unknown_services_text(problem), file=sys.stderr)
        return 1
    if isinstance(problem, Notice):
        print(f"ofin: {problem.text}", file=sys.stderr)
        return 2
    emit(MatrixResult(build_matrix(kb, parsed.services)), fmt=fmt, notes=notes)
    return 0


def emit(result: MatrixResult, *, fmt: str, notes: bool) -> None:
    """Print ``result`` in ``fmt`` (one of FORMATS)."""
    if fmt == "csv":
        sys.stdout.write(to_csv(result.matrix, result.owners))
    elif fmt == "markdown":
        sys.stdout.write(to_markdown(result.matrix, result.owners, title=result.title))
    elif fmt == "json":
        print(json.dumps(to_json(result.matrix), ensure_ascii=False, indent=2))
    else:
        print(matrix_text(result, notes=notes))


def to_json(matrix: Matrix) -> dict:
    """The matrix as plain data: services, cells by area, duties."""
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
