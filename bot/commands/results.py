"""Front-end-neutral results of the built-in commands; Slack and the console render them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.answer.answer import Answer
from bot.kb.model import Service

NoticeKind = Literal["info", "refusal", "error"]


@dataclass(frozen=True)
class AnswerResult:
    """The engine's answer (or decline) to a question."""

    answer: Answer


@dataclass(frozen=True)
class HelpEntry:
    """One line of usage."""

    usage: str
    help: str
    admin: bool = False
    slack_only: bool = False  # posts in channels or DMs: not in the local console


@dataclass(frozen=True)
class HelpResult:
    """The usage text: every subcommand, built-in and registered."""

    entries: tuple[HelpEntry, ...]


@dataclass(frozen=True)
class StackResult:
    """One service's responsibility stack, top (data) to bottom (facilities)."""

    service: Service


@dataclass(frozen=True)
class UnknownServiceResult:
    """``stack`` got a name it does not know; ``known`` lists what it does know."""

    query: str
    known: tuple[Service, ...]


@dataclass(frozen=True)
class UnansweredResult:
    """The most frequent declined questions, for curators."""

    rows: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Notice:
    """A short plain-text message."""

    text: str
    kind: NoticeKind = "info"
