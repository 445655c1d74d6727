"""The semantic index: embeddings of the knowledge base cached on disk by content."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from bot.answer.semantic import SemanticIndex, cache_dir, shared_encoder
from bot.kb.loader import load


class CountingEncoder:
    """The real encoder, counting how many texts it was asked to embed."""

    def __init__(self, real):
        self.real = real
        self.fingerprint = real.fingerprint
        self.dimensions = real.dimensions
        self.texts = 0

    def encode(self, texts):
        self.texts += len(texts)
        return self.real.encode(texts)


@pytest.fixture(scope="module")
def small_kb():
    kb = load()
    return dataclasses.replace(kb, items=kb.items[:12])


@pytest.fixture
def encoder():
    real = shared_encoder()
    assert real is not None
    return CountingEncoder(real)


def test_a_warm_start_reads_the_cache_instead_of_embedding(small_kb, encoder, tmp_path):
    first = SemanticIndex(small_kb, encoder, cache=tmp_path)
    embedded = encoder.texts
    assert embedded == len(first.phrases) > 0
    [cached] = list(tmp_path.glob("kb-embeddings-*.npy"))
    second = SemanticIndex(small_kb, encoder, cache=tmp_path)
    assert encoder.texts == embedded  # nothing embedded again
    question = "who patches the hypervisor"
    assert np.allclose(first.similarities(question), second.similarities(question))
    assert cached.stat().st_size > 0


def test_a_changed_alias_gets_new_embeddings(small_kb, encoder, tmp_path):
    SemanticIndex(small_kb, encoder, cache=tmp_path)
    item = small_kb.items[0]
    changed = dataclasses.replace(item, aliases=(*item.aliases, "a brand new way to ask it"))
    kb = dataclasses.replace(small_kb, items=(changed, *small_kb.items[1:]))
    before = encoder.texts
    edited = SemanticIndex(kb, encoder, cache=tmp_path)
    assert encoder.texts == before + 1  # the new alias alone: the other rows come from the cache
    assert len(list(tmp_path.glob("kb-embeddings-*.npy"))) == 2
    from_scratch = SemanticIndex(kb, encoder, cache=tmp_path / "empty")
    assert np.allclose(edited.phrase_vectors, from_scratch.phrase_vectors, atol=1e-6)


def test_a_damaged_keys_file_costs_a_full_embedding_not_a_wrong_row(small_kb, encoder, tmp_path):
    SemanticIndex(small_kb, encoder, cache=tmp_path)
    [keys] = list(tmp_path.glob("kb-keys-*.npy"))
    keys.write_bytes(b"not numpy")
    kb = dataclasses.replace(small_kb, items=small_kb.items[1:])
    before = encoder.texts
    index = SemanticIndex(kb, encoder, cache=tmp_path)
    assert encoder.texts - before == len(index.phrases)
    from_scratch = SemanticIndex(kb, encoder, cache=tmp_path / "empty")
    assert np.allclose(index.phrase_vectors, from_scratch.phrase_vectors, atol=1e-6)


def test_old_cache_files_are_pruned(small_kb, encoder, tmp_path):
    import os

    from bot.answer import semantic

    for number in range(semantic.KEEP_CACHED + 3):
        stale = tmp_path / f"kb-embeddings-old{number}.npy"
        stale.write_bytes(b"x")
        os.utime(stale, (1_000_000 + number, 1_000_000 + number))
    (tmp_path / "kb-keys-orphan.npy").write_bytes(b"x")  # its vectors file is gone
    SemanticIndex(small_kb, encoder, cache=tmp_path)
    kept = list(tmp_path.glob("kb-embeddings-*.npy"))
    assert len(kept) == semantic.KEEP_CACHED
    assert len(list(tmp_path.glob("kb-keys-*.npy"))) == 1  # the new file's keys, beside it
    assert not (tmp_path / "kb-embeddings-old0.npy").exists()  # the oldest went first
    assert any("old" not in f.name for f in kept)  # the new one stays


def test_a_damaged_cache_file_is_rebuilt(small_kb, encoder, tmp_path):
    SemanticIndex(small_kb, encoder, cache=tmp_path)
    [cached] = list(tmp_path.glob("kb-embeddings-*.npy"))
    cached.write_bytes(b"not numpy")
    index = SemanticIndex(small_kb, encoder, cache=tmp_path)
    assert index.similarities("who patches the hypervisor").shape == (len(small_kb.items),)
    assert np.load(cached).shape[0] == len(index.phrases)


def test_an_unwritable_cache_still_answers(small_kb, encoder, tmp_path, caplog):
    blocked = tmp_path / "file"
    blocked.write_text("a file where a folder should be")
    with caplog.at_level("WARNING"):
        index = SemanticIndex(small_kb, encoder, cache=blocked / "cache")
    assert "cannot cache embeddings" in caplog.text
    assert index.similarities("physical security").max() > 0.3


def test_item_similarity_is_its_closest_phrasing(small_kb, encoder, tmp_path):
    index = SemanticIndex(small_kb, encoder, cache=tmp_path)
    phrases = index.phrase_similarities("who guards the data center buildings")
    items = index.similarities("who guards the data center buildings")
    for number in range(len(small_kb.items)):
        assert items[number] == pytest.approx(phrases[index.phrase_item == number].max())


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("OFIN_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("OFIN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == Path(tmp_path / "xdg" / "ofin")
