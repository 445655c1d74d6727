"""`python -m bot kb check` and `kb export`: validate or dump the knowledge base from a terminal.

Both print problems the same way, on standard output: one ``file:line: message`` a line, then
"N problems" last; exit status 1. A path that does not exist is exit status 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.kb.loader import DEFAULT_DIR, display_path, format_problems, load
from bot.kb.model import KnowledgeBase, KnowledgeError
from bot.kb.vocabulary import check_vocabulary
from bot.matrix.kinds import check_kinds

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_NOT_FOUND = 2


def run_check(path: str | None) -> int:
    """Validate the knowledge base at ``path`` (default: knowledge/); print problems or summary."""
    target = Path(path) if path else DEFAULT_DIR
    kb, status = _load(target)
    if kb is None:
        return status
    folder = target if target.is_dir() else target.parent
    problems = check_vocabulary(folder / "vocabulary")
    problems += check_kinds(kb, folder / "vocabulary" / "resource_kinds.yaml")
    if problems:
        print(format_problems(problems))
        return EXIT_PROBLEMS
    print(
        f"knowledge OK: {_count(len(kb.items), 'item')}, {_count(len(kb.services), 'service')}, "
        f"{_count(len(kb.quiz_questions), 'quiz question')} ({_label(target)})"
    )
    return EXIT_OK


def run_export(path: str | None) -> int:
    """Print the validated knowledge base at ``path`` as one JSON document."""
    kb, status = _load(Path(path) if path else DEFAULT_DIR)
    if kb is None:
        return status
    print(json.dumps(kb.to_dict(), indent=2, sort_keys=True, ensure_ascii=False))
    return EXIT_OK


def _load(target: Path) -> tuple[KnowledgeBase | None, int]:
    """The knowledge base at ``target``, or None and the exit status after saying what is wrong."""
    try:
        return load(target), EXIT_OK
    except KnowledgeError as exc:
        print(format_problems(exc.problems))
        return None, EXIT_PROBLEMS
    except FileNotFoundError:
        print(f"ofin: no knowledge base at {target}: no such file or folder", file=sys.stderr)
        return None, EXIT_NOT_FOUND
    except OSError as exc:
        print(f"ofin: cannot read the knowledge base at {target}: {exc.strerror}", file=sys.stderr)
        return None, EXIT_NOT_FOUND


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _label(target: Path) -> str:
    """How the summary names the knowledge base: relative to here when inside, folders with '/'."""
    shown = display_path(target)
    return shown.rstrip("/") + "/" if target.is_dir() else shown
