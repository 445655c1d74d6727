"""Read a question typed in another language through a translated vocabulary (data, not code).

``knowledge/vocabulary/glossary.yaml`` maps each English term the engine matches on to the ways
people type it in Spanish, French, German, Portuguese, Japanese, Korean and Chinese. A question
that is not English is turned into a plain English reading: its glossary terms in English, with
the words it keeps as typed (service names, acronyms such as EC2, RDS, S3, KMS). The rules and the
word-level matching then read that; the multilingual embedding still reads the original text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

GLOSSARY_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "vocabulary" / "glossary.yaml"
LANGUAGES = ("es", "fr", "de", "pt", "ja", "ko", "zh")
_SPACED = ("es", "fr", "de", "pt")
# Scripts written without spaces between words: matched as substrings, longest first.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# A word the reading keeps as typed: a name or acronym (EC2, RDS, S3, SQL, IAM), or a digit run.
_KEPT = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Za-z][A-Za-z0-9-]*[A-Z0-9][A-Za-z0-9-]*|[A-Z][a-z]+[A-Z]\w*)(?![A-Za-z0-9])"
)
# In Japanese, Korean or Chinese text every word in Latin letters is a name: "Lambda", "ECS".
_ASCII_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9-]+(?![A-Za-z0-9])")
_NAME_INSIDE = re.compile(r"(?<=[a-z0-9,;:]\s)([A-Z][a-z]+[0-9]*)\b")
_LATIN_WORD = re.compile(r"(?<![a-z0-9])[a-z][a-z0-9]{2,}(?![a-z0-9])")
_OPTION_MARK = re.compile(r"(?:^|[\s。、，,:：?？])[\(（]?([A-Ea-e])[).:）]\s*")
_ENGLISH = frozenset(
    [
        "the",
        "is",
        "are",
        "who",
        "whose",
        "our",
        "we",
        "us",
        "for",
        "of",
        "to",
        "and",
        "a",
        "an",
        "on",
        "in",
        "do",
        "does",
        "what",
        "which",
        "it",
        "this",
        "that",
        "with",
        "be",
        "by",
        "or",
        "should",
        "must",
        "have",
        "has",
        "can",
    ]
)


@dataclass(frozen=True)
class Reading:
    """A question as the engine reads it: English ``text``, and whether it was translated."""

    text: str
    translated: bool


def _fold(text: str) -> str:
    """Lowercase without accents; recomposed, so Hangul stays in syllables (not jamo)."""
    text = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("\u2019", "'")
    return unicodedata.normalize("NFC", bare)


@dataclass(frozen=True)
class Moves:
    """How one language says that a workload moved, when its "from" and "to" are not where
    English puts them (glossary.yaml's ``_moves``)."""

    moved: re.Pattern[str]  # a verb of moving: the sentence is about a move
    marks: re.Pattern[str]  # a "from" or "to" mark beside a service name
    english: dict[str, str]  # each mark -> "moved from" or "to"

    @classmethod
    def of(cls, words: dict) -> Moves:
        after = bool(words.get("after"))
        english = {_fold(str(w)): "moved from" for w in words["from"]}
        english |= {_fold(str(w)): "to" for w in words["to"]}
        marks = "|".join(re.escape(m) for m in sorted(english, key=len, reverse=True))
        name = r"[A-Za-z][A-Za-z0-9-]*"
        if after:  # "ECS on EC2から", "EC2에서", "RDS로": the mark follows the name, read before it
            pattern = rf"(?<![A-Za-z0-9])(?P<name>{name}(?:\s+{name})*)\s*(?P<mark>{marks})"
        elif _UNSPACED.search(marks):  # "迁到了Amazon MQ": the mark precedes, maybe a particle
            pattern = rf"(?P<mark>{marks})\s*[^\sA-Za-z0-9]?\s*(?P<name>{name})"
        else:  # "von EC2 auf RDS": the mark precedes the name
            pattern = rf"(?<!\w)(?P<mark>{marks})\s+(?P<name>{name})"
        verbs = "|".join(re.escape(_fold(str(w))) for w in words["moved"])
        return cls(re.compile(verbs), re.compile(pattern, re.IGNORECASE), english)

    def readings(self, question: str, folded: str) -> list[tuple[float, str, int]]:
        """("moved from" or "to", where to read it, where the mark is) for each mark beside a
        name, in a sentence that says something moved; none otherwise."""
        if not self.moved.search(folded):
            return []
        found = [
            (
                match.start("name") - 0.5,
                self.english[_fold(match.group("mark"))],
                match.start("mark"),
            )
            for match in self.marks.finditer(question)
        ]
        if found and all(english == "to" for _, english, _ in found):
            # "EC2上のPostgreSQLをRDSに移行した" says where it went, not where from: read as
            # "moved … to RDS", as in English "we moved PostgreSQL on EC2 to RDS"
            found.append((-1.0, "moved", -1))
        return found


class Glossary:
    """Foreign forms -> English terms, compiled once."""

    def __init__(self, entries: dict[str, Any]):
        entries = dict(entries)
        moves: dict[str, dict] = entries.pop("_moves", None) or {}
        self._moves = [Moves.of(words) for words in moves.values()]
        spaced: dict[str, str] = {}
        unspaced: dict[str, str] = {}
        for english, by_language in entries.items():
            for forms in (by_language or {}).values():
                for form in forms or ():
                    folded = _fold(str(form)).strip()
                    if not folded or folded == _fold(english):
                        continue
                    target = unspaced if _UNSPACED.search(folded) else spaced
                    target.setdefault(folded, english)
        self._spaced = spaced
        self._unspaced = unspaced
        english_words = {w for key in entries for w in _fold(key).split()}
        self._foreign_words = frozenset(
            w for form in spaced for w in form.split() if w not in english_words
        )
        self._english: frozenset[str] = frozenset()  # see knowing()

    @cached_property
    def _spaced_pattern(self) -> re.Pattern[str] | None:
        # Compiled on the first foreign question: English ones never need it.
        return _alternation(self._spaced, words=True)

    @cached_property
    def _unspaced_pattern(self) -> re.Pattern[str] | None:
        return _alternation(self._unspaced, words=False)

    def knowing(self, english: frozenset[str]) -> Glossary:
        """This glossary, with ``english`` (a knowledge base's words) never taken as foreign:
        "runtime", "patches" and "management" are also typed in German or French."""
        other = object.__new__(Glossary)
        other.__dict__.update(self.__dict__)
        other._foreign_words = self._foreign_words - english
        other._english = frozenset(w for w in english if len(w) >= 3) - self._foreign_words
        return other

    def read(self, question: str) -> Reading:
        """The English reading of ``question`` (itself when it is English).

        Kept, in the order typed: the glossary's terms in English, names and acronyms (EC2,
        Lambda), English words the knowledge base uses ("firmware de los hosts"), and the marks
        of an exam question's options ("A)"), so that options are still answered one by one.
        """
        if not self._foreign(question):
            return Reading(question, False)
        folded = unblanked = _fold(question)  # folded gets blanked as terms are read
        found: list[tuple[float, str]] = []

        def blank(match: re.Match[str]) -> str:
            return " " * len(match.group(0))  # keeps every later position where it was

        if self._unspaced_pattern is not None:
            for match in self._unspaced_pattern.finditer(folded):
                found.append((match.start(), self._unspaced[match.group(0)]))
            folded = self._unspaced_pattern.sub(blank, folded)
        if self._spaced_pattern is not None:
            for match in self._spaced_pattern.finditer(folded):
                found.append((match.start(1), self._spaced[match.group(1)]))
            folded = self._spaced_pattern.sub(blank, folded)
        unspaced = bool(_UNSPACED.search(question))
        taken = set()
        for match in (_ASCII_WORD if unspaced else _KEPT).finditer(question):
            found.append((match.start(), match.group(0)))
            taken.add(match.start())
        if not unspaced:  # a capitalised word inside a sentence is a name: "funciones Lambda"
            for match in _NAME_INSIDE.finditer(question):
                if match.start(1) not in taken and folded[match.start(1)] != " ":
                    found.append((match.start(1), match.group(1)))
                    taken.add(match.start(1))
            for match in _LATIN_WORD.finditer(folded):
                if match.start() not in taken and match.group(0) in self._english:
                    found.append((match.start(), match.group(0)))
        for match in _OPTION_MARK.finditer(question):
            found.append((match.start(1), f"{match.group(1).upper()})"))
        moves = [
            move for language in self._moves for move in language.readings(question, unblanked)
        ]
        if moves:  # "von EC2 auf RDS": the move's reading of a mark replaces its everyday one
            marks = {mark for _, _, mark in moves}
            found = [pair for pair in found if pair[0] not in marks]
            found += [(position, english) for position, english, _ in moves]
        words: list[str] = []
        for _, word in sorted(found, key=lambda pair: pair[0]):
            if not words or words[-1].lower() != word.lower():  # "S3 s3" once
                words.append(word)
        reading = " ".join(words)
        return Reading(reading + ("?" if "?" in question or "？" in question else ""), True)

    def _foreign(self, question: str) -> bool:
        if _UNSPACED.search(question):
            return True
        words = re.findall(r"[a-z']+", _fold(question))
        english = sum(w in _ENGLISH for w in words)
        foreign = sum(w in self._foreign_words and w not in _ENGLISH for w in words)
        return foreign > english and foreign >= 2


def _position(folded: str, word: str) -> int:
    found = folded.find(word.lower())
    return found if found >= 0 else len(folded)


def _alternation(forms: dict[str, str], *, words: bool) -> re.Pattern[str] | None:
    if not forms:
        return None
    body = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)({body})(?!\w)" if words else body)


@lru_cache(maxsize=1)
def shared_glossary(path: Path = GLOSSARY_FILE) -> Glossary:
    """The glossary shipped with ofin (an empty one when the file is missing)."""
    if not path.is_file():
        return Glossary({})
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 4x faster on 6,000 forms
    return Glossary(yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {})
