"""The semantic signal: how close a question's meaning is to each item's phrasings.

Every title, alias and quiz question of the knowledge base is embedded once
(bot/answer/e5_encoder.py) and the vectors are cached on disk, keyed by a hash of the model and of
those texts, so a warm start only reads one small file. A question is embedded at ask time and
compared with all of them; an item's similarity is that of its closest phrasing.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.answer.e5_encoder import E5Encoder as Encoder
from bot.answer.e5_encoder import load_encoder
from bot.kb.model import KnowledgeBase

logger = logging.getLogger(__name__)

CACHE_ENV = "OFIN_CACHE_DIR"
# Embedding files kept, the most recently used (each edit of the knowledge base writes a new one).
KEEP_CACHED = 16
_SAY_WHEN_EMBEDDING = 500  # the knowledge base, not a handful of a service's layers
_QUERY_CACHE_SIZE = 4096


def cache_dir() -> Path:
    """Where embeddings are cached: $OFIN_CACHE_DIR, else $XDG_CACHE_HOME/ofin or ~/.cache/ofin."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ofin"


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
    """Embeddings of ``texts`` from the disk cache, else computed and cached (atomically)."""
    digest = hashlib.sha256(encoder.fingerprint.encode())
    for text in texts:
        digest.update(text.encode() + b"\0")
    path = directory / f"kb-embeddings-{digest.hexdigest()[:24]}.npy"
    try:
        vectors = np.load(path, allow_pickle=False)
        if vectors.shape == (len(texts), encoder.dimensions):
            with contextlib.suppress(OSError):
                os.utime(path)  # used: the pruning keeps the most recently used files
            return vectors
    except (OSError, ValueError):
        pass  # not cached yet, or a damaged file: embed again
    if len(texts) >= _SAY_WHEN_EMBEDDING:
        logger.warning(
            "ofin: embedding %d phrasings of the knowledge base, once after each change of it "
            "(about a minute on a small machine); cached in %s",
            len(texts),
            directory,
        )
    vectors = encoder.encode(texts)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            np.save(handle, vectors, allow_pickle=False)
        partial.replace(path)  # atomic: a concurrent reader never sees half a file
        _prune(directory)
    except OSError as exc:
        logger.warning(
            "ofin: cannot cache embeddings in %s (%s); they live in memory", directory, exc
        )
    return vectors


def _prune(directory: Path) -> None:
    """Delete all but the KEEP_CACHED most recent embedding files."""
    files = sorted(
        directory.glob("kb-embeddings-*.npy"), key=lambda f: f.stat().st_mtime, reverse=True
    )
    for old in files[KEEP_CACHED:]:
        old.unlink(missing_ok=True)


def build_index(kb: KnowledgeBase, prepare: Callable[[str], str] = str) -> SemanticIndex | None:
    """The semantic index for ``kb``, or None when the embedding model is not installed."""
    encoder = shared_encoder()
    return SemanticIndex(kb, encoder, prepare=prepare) if encoder is not None else None
