"""Say what was meant: the allowed value a wrong one most likely misspells ("did you mean")."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def one_of(options: Sequence[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return options[0] if len(options) == 1 else f"{', '.join(options[:-1])} or {options[-1]}"


def closest(value: str, allowed: Sequence[str]) -> str | None:
    """The allowed value that ``value`` most likely misspells, if any."""
    close = difflib.get_close_matches(value.lower(), allowed, n=1, cutoff=0.6)
    return close[0] if close else None


def unknown(what: str, value: str, allowed: Sequence[str]) -> str:
    """``unknown <what> 'value'`` with the closest allowed value, or the allowed values."""
    close = closest(value, allowed)
    hint = f"did you mean '{close}'?" if close else f"expected {one_of(allowed)}"
    return f"unknown {what} '{value}' ({hint})"


def unknown_id(what: str, value: str, known: Sequence[str], otherwise: str) -> str:
    """``unknown <what> 'value'`` with the closest known id, or ``otherwise``."""
    close = closest(value, known)
    hint = f"did you mean '{close}'?" if close else otherwise
    return f"unknown {what} '{value}' ({hint})"
