"""`python -m bot` from a Python without ofin's packages re-runs itself under .venv."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.terminal import bootstrap

ROOT = Path(__file__).resolve().parents[2]
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)


def base_python_lacks_packages() -> bool:
    probe = "import importlib.util as u, sys; sys.exit(0 if u.find_spec('rapidfuzz') else 1)"
    return subprocess.run([BASE_PYTHON, "-c", probe], check=False).returncode == 1


needs_bare_python = pytest.mark.skipif(
    not base_python_lacks_packages() or not bootstrap.VENV_PYTHON.exists(),
    reason="needs a base Python without ofin's packages and the project's .venv",
)


def test_this_interpreter_has_everything() -> None:
    assert bootstrap.missing_dependencies() == []


@needs_bare_python
def test_a_bare_python_answers_through_the_venv() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OFIN_BOOTSTRAPPED"}
    run = subprocess.run(
        [BASE_PYTHON, "-m", "bot", "ask", "--json", "who patches the hypervisor?"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["owner"] == "aws"


@needs_bare_python
def test_a_second_bootstrap_stops_with_a_clear_message() -> None:
    env = {**os.environ, "OFIN_BOOTSTRAPPED": "1"}
    run = subprocess.run(
        [BASE_PYTHON, "-m", "bot", "ask", "x"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "missing Python packages" in run.stderr and "make setup" in run.stderr
    assert "Traceback" not in run.stderr
