"""Stale or mismatched fitted files are one line naming the file and the fix, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.answer import fitted
from bot.answer.fitted import FittedFilesError, shipped_head, shipped_model
from bot.answer.owner_model import WEIGHTS_FILE
from bot.config import ConfigError
from bot.ops.doctor import check_weights
from bot.terminal.ask import run_ask

FIX = "python -m bot engine fit"


def weights(tmp_path: Path, change) -> Path:  # noqa: ANN001 - a callable that edits the data
    """A copy of the shipped weights, changed by ``change(data)``."""
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "owner_weights.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def one_line(error: pytest.ExceptionInfo[FittedFilesError], path: Path) -> str:
    message = str(error.value)
    assert "\n" not in message
    assert str(path) in message or path.name in message
    assert FIX in message
    return message


def test_the_shipped_weights_fit_the_code() -> None:
    assert shipped_model() is not None


def test_a_feature_the_code_no_longer_has_is_named(tmp_path: Path) -> None:
    def rename(data: dict) -> None:
        data["candidate_features"][0] = "retired_feature"

    path = weights(tmp_path, rename)
    with pytest.raises(FittedFilesError) as error:
        shipped_model(path)
    message = one_line(error, path)
    assert "'retired_feature', which the code no longer has" in message
    assert "none for 'blended'" in message


def test_a_missing_feature_is_named(tmp_path: Path) -> None:
    def drop(data: dict) -> None:
        data["question_signals"].remove("head_none_clause")

    path = weights(tmp_path, drop)
    with pytest.raises(FittedFilesError) as error:
        shipped_model(path)
    assert "none for 'head_none_clause'" in one_line(error, path)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.__setitem__("candidate_weights", d["candidate_weights"][:-1]),
        lambda d: d.pop("decline_weights"),
        lambda d: d["policy"].__setitem__("a_setting_from_elsewhere", 1),
        lambda d: d.__setitem__("mean", "not numbers"),
    ],
    ids=["short weights", "no decline weights", "unknown policy key", "garbage"],
)
def test_weights_of_another_shape_are_one_line(tmp_path: Path, change) -> None:  # noqa: ANN001
    path = weights(tmp_path, change)
    with pytest.raises(FittedFilesError) as error:
        shipped_model(path)
    one_line(error, path)


def test_a_file_that_is_not_json_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "owner_weights.json"
    path.write_text("<<<<<<< HEAD\n", encoding="utf-8")
    with pytest.raises(FittedFilesError) as error:
        shipped_model(path)
    one_line(error, path)
    head = tmp_path / "owner_head.json"
    head.write_text('{"classes": ["aws"]}', encoding="utf-8")
    with pytest.raises(FittedFilesError) as error:
        shipped_head("any encoder", head)
    one_line(error, head)


def test_no_weights_yet_is_not_an_error(tmp_path: Path) -> None:
    assert shipped_model(tmp_path / "absent.json") is None


@pytest.fixture
def stale_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    def rename(data: dict) -> None:
        data["candidate_features"][-1] = "retired_feature"

    path = weights(tmp_path, rename)
    monkeypatch.setattr(fitted, "WEIGHTS_FILE", path)
    return path


def test_ask_says_one_line_and_exits_1(stale_weights: Path, capsys) -> None:  # noqa: ANN001
    assert run_ask("who patches EC2?", as_json=False) == 1
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.splitlines()
    assert stale_weights.name in line and FIX in line and "Traceback" not in err


def test_starting_the_bot_is_refused_with_the_same_line(
    stale_weights: Path, tmp_path: Path
) -> None:
    from bot.config import from_env
    from bot.kb.loader import load
    from bot.wiring import build_core

    settings = from_env({"OFIN_DB": str(tmp_path / "ofin.db")})
    with pytest.raises(ConfigError, match="engine fit"):
        build_core(settings, load())


def test_doctor_names_the_mismatch_and_the_fix(stale_weights: Path) -> None:
    check = check_weights()
    assert not check.ok
    assert "retired_feature" in check.detail and check.fix == FIX


def test_every_file_the_fit_writes_ships_in_the_package() -> None:
    """A plain `pip install .` gets the whole engine: each fitted file is package data."""
    import tomllib

    from bot.answer.owner_head import HEAD_FILE, NEIGHBOURS_FILE
    from bot.answer.owner_model import WEIGHTS_FILE
    from bot.answer.word_head import WORD_HEAD_FILE

    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = config["tool"]["setuptools"]["package-data"]["bot.answer"]
    for path in (WEIGHTS_FILE, HEAD_FILE, NEIGHBOURS_FILE, WORD_HEAD_FILE):
        assert path.is_file(), f"{path.name}: run `python -m bot engine fit`"
        assert path.name in shipped, f"{path.name} is not package data in pyproject.toml"


def test_a_missing_word_head_is_one_line_naming_it(tmp_path) -> None:
    from bot.answer.fitted import shipped_words

    with pytest.raises(FittedFilesError, match=r"word_head\.json is missing: run"):
        shipped_words(tmp_path / "word_head.json")


def test_a_missing_or_foreign_owner_head_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(FittedFilesError, match=r"owner_head\.json is missing: run"):
        shipped_head("any encoder", tmp_path / "owner_head.json")
    from bot.answer.owner_head import HEAD_FILE

    with pytest.raises(FittedFilesError, match="another embedding model: run"):
        shipped_head("not the encoder it was fitted on", HEAD_FILE)
