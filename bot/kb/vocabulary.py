"""Check the answer engine's vocabulary files (knowledge/vocabulary/) as file:line problems.

The engine reads them itself (bot/answer/language.py, bot/answer/glossary.py); this module only
says what is wrong with them, for `python -m bot kb check`. Their formats are in schema.yaml
(``english_file``, ``glossary_file``) with the knowledge files' own.
"""

from __future__ import annotations

from pathlib import Path

from bot.kb import schema, yamldoc
from bot.kb.files import display_path
from bot.kb.model import Problem

# file name -> the schema definition it follows
VOCABULARY_FILES = {"english.yaml": "english_file", "glossary.yaml": "glossary_file"}


def check_vocabulary(folder: Path) -> list[Problem]:
    """Problems of english.yaml and glossary.yaml in ``folder`` (none when a file is absent)."""
    problems: list[Problem] = []
    for name, kind in VOCABULARY_FILES.items():
        path = folder / name
        if not path.is_file():
            continue
        doc = yamldoc.read(path, display_path(path))
        if doc.readable:
            doc.problems += schema.check(doc, kind)
        problems += doc.problems
    return problems
