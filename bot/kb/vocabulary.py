"""Checks of the answer engine's vocabulary files (knowledge/vocabulary/), as file:line problems.

The engine reads them itself (bot/answer/language.py, bot/answer/glossary.py); this module only
says what is wrong with them, for `python -m bot kb check`.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.kb.model import Problem

ENGLISH_KEYS = {
    "filler": "words",
    "phrases": "map",
    "synonyms": "map",
    "lower_layer_words": "words",
    "guest_layer_words": "words",
}
GLOSSARY_LANGUAGES = frozenset({"es", "fr", "de", "pt", "ja", "ko", "zh"})


def check_vocabulary(folder: Path) -> list[Problem]:
    """Problems of english.yaml and glossary.yaml in ``folder`` (none when the folder is absent)."""
    problems: list[Problem] = []
    english, glossary = folder / "english.yaml", folder / "glossary.yaml"
    if english.is_file():
        problems += _check_english(english)
    if glossary.is_file():
        problems += _check_glossary(glossary)
    return problems


def _compose(path: Path, problems: list[Problem]) -> yaml.MappingNode | None:
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(str(path), mark.line + 1 if mark else 0, f"not valid YAML: {exc}"))
        return None
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(str(path), 1, "expected a mapping at the top level"))
        return None
    return node


def _check_english(path: Path) -> list[Problem]:
    problems: list[Problem] = []
    root = _compose(path, problems)
    if root is None:
        return problems
    seen = set()
    for key, value in root.value:
        line = key.start_mark.line + 1
        seen.add(key.value)
        kind = ENGLISH_KEYS.get(key.value)
        if kind is None:
            problems.append(Problem(str(path), line, f"unknown key '{key.value}'"))
        elif kind == "words":
            if not isinstance(value, yaml.SequenceNode):
                problems.append(Problem(str(path), line, f"'{key.value}' must be a list of words"))
                continue
            for word in value.value:
                if not _is_word(word):
                    problems.append(
                        Problem(
                            str(path),
                            word.start_mark.line + 1,
                            f"not a lowercase word: {word.value!r}",
                        )
                    )
        else:
            if not isinstance(value, yaml.MappingNode):
                problems.append(Problem(str(path), line, f"'{key.value}' must be a mapping"))
                continue
            for source, target in value.value:
                where = source.start_mark.line + 1
                if source.value != source.value.lower() or not source.value.strip():
                    problems.append(Problem(str(path), where, f"not lowercase: {source.value!r}"))
                dropped = key.value == "phrases" and target.value == ""  # a phrase dropped whole
                if not (_is_word(target) or dropped):
                    problems.append(
                        Problem(
                            str(path), where, f"must map to one lowercase term: {target.value!r}"
                        )
                    )
    for missing in sorted(set(ENGLISH_KEYS) - seen):
        problems.append(Problem(str(path), 1, f"missing key '{missing}'"))
    return problems


def _check_glossary(path: Path) -> list[Problem]:
    problems: list[Problem] = []
    root = _compose(path, problems)
    if root is None:
        return problems
    for key, value in root.value:
        line = key.start_mark.line + 1
        if not isinstance(value, yaml.MappingNode):
            problems.append(Problem(str(path), line, f"'{key.value}' must map languages to forms"))
            continue
        for language, forms in value.value:
            where = language.start_mark.line + 1
            if language.value not in GLOSSARY_LANGUAGES:
                known = ", ".join(sorted(GLOSSARY_LANGUAGES))
                problems.append(
                    Problem(str(path), where, f"unknown language '{language.value}' ({known})")
                )
            if not isinstance(forms, yaml.SequenceNode) or any(
                not isinstance(f, yaml.ScalarNode) or not str(f.value).strip() for f in forms.value
            ):
                problems.append(
                    Problem(str(path), where, "forms must be a list of non-empty words")
                )
    return problems


def _is_word(node: yaml.Node) -> bool:
    text = str(getattr(node, "value", ""))
    bare = text.replace("'", "")
    return isinstance(node, yaml.ScalarNode) and text == text.lower() and bare.isalnum()
