"""The semantic signal: how close a question's meaning is to each item's phrasings.

Every title, alias and quiz question of the knowledge base is embedded once
(bot/answer/e5_encoder.py) and the vectors are cached on disk, keyed by a hash of the model and of
those texts, so a warm start only reads one small file; after an edit of the knowledge base only
the phrasings no recent file holds are embedded (each file keeps its rows' text keys). A question
is embedded at ask time and compared with all of them; an item's similarity is that of its closest
phrasing.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.answer.e5_encoder import E5Encoder as Encoder
from bot.answer.e5_encoder import load_encoder
from bot.cache_folder import cache_dir
from bot.kb.model import KnowledgeBase

logger = logging.getLogger(__name__)

# Embedding files kept, the most recently used (each edit of the knowledge base writes a new one).
KEEP_CACHED = 16
_SAY_WHEN_EMBEDDING = 500  # the knowledge base, not a handful of a service's layers
_QUERY_CACHE_SIZE = 4096


@lru_cache(maxsize=1)
def shared_encoder() -> Encoder | None:
    """One encoder per process: the weights are read once however many matchers are built."""
    return load_encoder()


class SemanticIndex:
    """Item similarities for a question, from sentence embeddings of the items' phrasings."""

    def __init__(
        self,
        kb: KnowledgeBase,
        encoder: Encoder,
        *,
        prepare: Callable[[str], str] = str,
        cache: Path | None = None,
        vectors: np.ndarray | None = None,
    ):
        """Embed ``kb``'s phrasings, each passed through ``prepare`` (as questions will be).

        ``vectors``: the phrasings' embeddings when the caller has them (a benchmark's copies).
        """
        self._encoder = encoder
        self._prepare = prepare
        texts: list[str] = []
        owners: list[int] = []
        self.phrases: list[str] = []
        for index, item in enumerate(kb.items):
            for text in (item.title, *item.aliases, *(q.question for q in item.quiz)):
                self.phrases.append(text)
                texts.append(prepare(text))
                owners.append(index)
        self.phrase_item = np.array(owners, dtype=np.int64)
        # Each item's phrasings sit side by side (every item has at least its title): where
        # each item's run starts, for np.maximum.reduceat.
        self._starts = np.searchsorted(self.phrase_item, np.arange(len(kb.items)))
        if vectors is not None and vectors.shape != (len(texts), encoder.dimensions):
            raise ValueError(f"vectors: expected {len(texts)} rows, got {vectors.shape}")
        self._cache = cache if cache is not None else cache_dir()
        self._vectors = vectors if vectors is not None else self._load_or_embed(texts, self._cache)
        self._embed = lru_cache(maxsize=_QUERY_CACHE_SIZE)(self._embed_uncached)

    @property
    def encoder(self) -> str:
        """The fingerprint of the model the vectors come from."""
        return self._encoder.fingerprint

    @property
    def phrase_vectors(self) -> np.ndarray:
        """The phrasings' embeddings, in ``phrases`` order."""
        return self._vectors

    def phrase_similarities(self, question: str, *, as_typed: bool = False) -> np.ndarray:
        """Cosine similarity of ``question`` to every phrasing (see ``phrases``); ``as_typed``:
        embed the text as it is (a question in another script, which preparing would erase)."""
        return self._vectors @ self._embed(question if as_typed else self._prepare(question))

    def item_best(self, phrase_scores: np.ndarray) -> np.ndarray:
        """Each item's best phrase score, in KB order."""
        if not len(phrase_scores):
            return np.zeros(0, dtype=np.float32)
        return np.maximum.reduceat(phrase_scores, self._starts)

    def similarities(self, question: str) -> np.ndarray:
        """Cosine similarity of ``question`` to each item (its closest phrasing), in KB order."""
        return self.item_best(self.phrase_similarities(question))

    def _embed_uncached(self, question: str) -> np.ndarray:
        return self._encoder.encode([question])[0]

    def vector(self, question: str, *, as_typed: bool = False) -> np.ndarray:
        """The question's embedding, as the index compares it (prepared, cached)."""
        return self._embed(question if as_typed else self._prepare(question))

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """Embeddings of other curated texts (a service's layers), cached like the items'."""
        return _load_or_embed(self._encoder, [self._prepare(t) for t in texts], self._cache)

    def _load_or_embed(self, texts: list[str], directory: Path) -> np.ndarray:
        return _load_or_embed(self._encoder, texts, directory)


def _load_or_embed(encoder: Encoder, texts: list[str], directory: Path) -> np.ndarray:
    """Embeddings of ``texts`` from the disk cache, else computed and cached (atomically).

    A miss (the knowledge base changed) embeds only the texts no recent cache file holds: each
    file has a sidecar of its rows' text keys, so an edited alias costs one embedding, not the
    whole knowledge base's. An embedding does not depend on what it was batched with, so a reused
    row is the vector a full run would compute.
    """
    digest = hashlib.sha256(encoder.fingerprint.encode())
    for text in texts:
        digest.update(text.encode() + b"\0")
    name = digest.hexdigest()[:24]
    path = directory / f"{_VECTORS}{name}.npy"
    try:
        vectors = np.load(path, allow_pickle=False)
        if vectors.shape == (len(texts), encoder.dimensions):
            with contextlib.suppress(OSError):
                os.utime(path)  # used: the pruning keeps the most recently used files
            return vectors
    except (OSError, ValueError):
        pass  # not cached yet, or a damaged file: embed what is not cached elsewhere
    keys = _text_keys(encoder, texts)
    known = _cached_rows(directory, encoder.dimensions)
    missing = [row for row, key in enumerate(keys.tolist()) if key not in known]
    if len(missing) >= _SAY_WHEN_EMBEDDING:
        logger.warning(
            "ofin: embedding %d phrasings of the knowledge base, once (about 15 s on a small "
            "machine for all of them); cached in %s",
            len(missing),
            directory,
        )
    fresh = encoder.encode([texts[row] for row in missing])
    vectors = np.zeros((len(texts), encoder.dimensions), dtype=np.float32)
    for row, key in enumerate(keys.tolist()):
        if key in known:
            vectors[row] = known[key]
    if missing:
        vectors[missing] = fresh
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _save_atomically(directory / f"{_KEYS}{name}.npy", keys)
        _save_atomically(path, vectors)  # last: a vectors file always has its keys beside it
        _prune(directory)
    except OSError as exc:
        logger.warning(
            "ofin: cannot cache embeddings in %s (%s); they live in memory", directory, exc
        )
    return vectors


_VECTORS = "kb-embeddings-"
_KEYS = "kb-keys-"


def _text_keys(encoder: Encoder, texts: list[str]) -> np.ndarray:
    """A 16-byte key per text, of the model and the text: the row a cache file holds for it."""
    model = hashlib.sha256(encoder.fingerprint.encode()).digest()
    return np.array(
        [hashlib.sha256(model + text.encode()).digest()[:16] for text in texts], dtype="S16"
    )


def _cached_rows(directory: Path, dimensions: int) -> dict[bytes, np.ndarray]:
    """Every row the recent cache files hold, by text key (a damaged file is passed over)."""
    known: dict[bytes, np.ndarray] = {}
    for keys_path in _newest_first(directory.glob(f"{_KEYS}*.npy")):
        vectors_path = keys_path.with_name(keys_path.name.replace(_KEYS, _VECTORS, 1))
        try:
            keys = np.load(keys_path, allow_pickle=False)
            vectors = np.load(vectors_path, allow_pickle=False)
        except (OSError, ValueError):
            continue
        if keys.ndim != 1 or vectors.shape != (len(keys), dimensions):
            continue
        for key, row in zip(keys.tolist(), vectors, strict=True):
            known.setdefault(key, row)
    return known


def _save_atomically(path: Path, array: np.ndarray) -> None:
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    with partial.open("wb") as handle:
        np.save(handle, array, allow_pickle=False)
    partial.replace(path)  # atomic: a concurrent reader never sees half a file


def _newest_first(files: Iterable[Path]) -> list[Path]:
    dated = []
    for file in files:
        with contextlib.suppress(OSError):  # deleted by another process meanwhile
            dated.append((file.stat().st_mtime, file))
    return [file for _, file in sorted(dated, key=lambda pair: pair[0], reverse=True)]


def _prune(directory: Path) -> None:
    """Delete all but the KEEP_CACHED most recent embedding files (and their keys)."""
    for old in _newest_first(directory.glob(f"{_VECTORS}*.npy"))[KEEP_CACHED:]:
        old.unlink(missing_ok=True)
        old.with_name(old.name.replace(_VECTORS, _KEYS, 1)).unlink(missing_ok=True)
    for keys in directory.glob(f"{_KEYS}*.npy"):  # keys whose vectors another process removed
        if not keys.with_name(keys.name.replace(_KEYS, _VECTORS, 1)).exists():
            keys.unlink(missing_ok=True)


def build_index(kb: KnowledgeBase, prepare: Callable[[str], str] = str) -> SemanticIndex | None:
    """The semantic index for ``kb``, or None when the embedding model is not installed."""
    encoder = shared_encoder()
    return SemanticIndex(kb, encoder, prepare=prepare) if encoder is not None else None
