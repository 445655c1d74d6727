"""The engine's fitted files, loaded, or refused in one line that names the file and the fix.

``python -m bot engine fit`` writes bot/answer/owner_weights.json, owner_head.json (with
owner_neighbours.npz) and word_head.json for the code
of its day. When the code's features change after that (or a merge brings another branch's file),
the files no longer fit the code: that is said as one line, never as a traceback from numpy.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from bot.answer.owner_head import HEAD_FILE, OwnerHead, load_head
from bot.answer.owner_model import (
    CANDIDATE_FEATURES,
    QUESTION_SIGNALS,
    WEIGHTS_FILE,
    OwnerModel,
    load_model,
)
from bot.answer.word_head import WORD_HEAD_FILE, WordHead, load_word_head
from bot.kb.files import display_path

FIX = "run `python -m bot engine fit` to fit them again"
_SHOWN = 3  # names listed per kind of mismatch; the rest are counted


class FittedFilesError(Exception):
    """An engine file that does not fit this code; its message is one line: the file, the fix."""


def shipped_model(path: Path | None = None) -> OwnerModel | None:
    """The fitted owner model (at ``path``, by default the one shipped), None before the first
    fit; FittedFilesError when it does not fit the code."""
    path = path or WEIGHTS_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise FittedFilesError(_unreadable(path, exc)) from None
    mismatch = _mismatch(data)
    if mismatch:
        raise FittedFilesError(
            f"ofin: {display_path(path)} was fitted for other code ({mismatch}): {FIX}"
        )
    try:
        model = load_model(path)
    except (KeyError, TypeError, ValueError) as exc:
        raise FittedFilesError(_unreadable(path, exc)) from None
    if model is None or not _shapes_fit(model):
        raise FittedFilesError(
            f"ofin: {display_path(path)} has weights of the wrong size for its features: {FIX}"
        )
    return model


def shipped_head(encoder: str, path: Path | None = None) -> OwnerHead:
    """The fitted owner head for ``encoder``; FittedFilesError when it is missing, fitted on
    another embedding model or does not fit this code (the owner model was fitted with the head's
    readings: without them it would answer worse, silently)."""
    path = path or HEAD_FILE
    if not path.is_file():
        raise FittedFilesError(f"ofin: {display_path(path)} is missing: {FIX}")
    try:
        head = load_head(encoder, path)
    except (
        OSError,
        UnicodeDecodeError,
        KeyError,
        TypeError,
        ValueError,
        zipfile.BadZipFile,
    ) as exc:
        raise FittedFilesError(_unreadable(path, exc)) from None
    if head is None:
        raise FittedFilesError(
            f"ofin: {display_path(path)} was fitted on another embedding model: {FIX}"
        )
    return head


def shipped_words(path: Path | None = None) -> WordHead:
    """The fitted word head; FittedFilesError when it is missing (an install that left it out
    would answer with a weaker engine, silently) or unreadable."""
    path = path or WORD_HEAD_FILE
    if not path.is_file():
        raise FittedFilesError(f"ofin: {display_path(path)} is missing: {FIX}")
    try:
        head = load_word_head(path)
    except (OSError, UnicodeDecodeError, KeyError, TypeError, ValueError) as exc:
        raise FittedFilesError(_unreadable(path, exc)) from None
    assert head is not None  # the file is there
    return head


def _mismatch(data: object) -> str:
    """How the features named in the weights differ from the code's, in words; "" when alike."""
    if not isinstance(data, dict):
        return "not a mapping of weights"
    parts = []
    for key, wanted in (
        ("candidate_features", CANDIDATE_FEATURES),
        ("question_signals", QUESTION_SIGNALS),
    ):
        named = data.get(key)
        if not isinstance(named, list):
            parts.append(f"no '{key}' list")
            continue
        gone = [str(n) for n in named if n not in wanted]
        missing = [n for n in wanted if n not in named]
        if gone:
            parts.append(f"weights for {_names(gone)}, which the code no longer has")
        if missing:
            parts.append(f"none for {_names(missing)}")
        if not gone and not missing and tuple(named) != wanted:
            parts.append(f"its {key.replace('_', ' ')} in another order")
    return "; ".join(parts)


def _names(names: list[str]) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def _shapes_fit(model: OwnerModel) -> bool:
    features, signals = len(CANDIDATE_FEATURES), len(QUESTION_SIGNALS)
    return (
        model.candidate_weights.shape == (features,)
        and model.mean.shape == (features,)
        and model.scale.shape == (features,)
        and model.decline_weights.shape == (signals,)
        and model.signal_mean.shape == (signals,)
        and model.signal_scale.shape == (signals,)
    )


def _unreadable(path: Path, exc: BaseException) -> str:
    reason = str(exc).split("\n")[0] if not isinstance(exc, KeyError) else f"no {exc}"
    return f"ofin: cannot read {display_path(path)} ({type(exc).__name__}: {reason}): {FIX}"
