"""Make `python -m bot` work from any Python: re-run it under the project's .venv when needed.

A newcomer (or a tool such as ../shared/eval/score.py) may call `python -m bot` with a Python that
lacks ofin's dependencies. Instead of an ImportError, ofin re-runs the same command with
`.venv/bin/python`, creating the virtualenv first (`make setup`) when there is none. Everything it
says goes to standard error, so `ask --json` output stays clean. Standard library only.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
REQUIRED = ("click", "yaml", "rapidfuzz", "numpy", "sqlite_utils", "slack_bolt", "dotenv")
_GUARD = "OFIN_BOOTSTRAPPED"  # set for the re-run, so a broken venv cannot loop


def missing_dependencies() -> list[str]:
    """The required modules this interpreter cannot import (found without importing them)."""
    return [name for name in REQUIRED if importlib.util.find_spec(name) is None]


def ensure_dependencies() -> None:
    """Return when the dependencies are importable; else re-exec under .venv, or exit clearly."""
    missing = missing_dependencies()
    if not missing:
        return
    in_venv = Path(sys.prefix).resolve() == VENV.resolve()
    if in_venv or os.environ.get(_GUARD):
        _fail(f"missing Python packages: {', '.join(missing)}; run `make setup`.")
    if not VENV_PYTHON.exists():
        _setup()
    os.environ[_GUARD] = "1"
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), "-m", "bot", *sys.argv[1:]])


def _setup() -> None:
    """Create .venv and install ofin into it, as `make setup` does; progress goes to stderr."""
    print("ofin: first run: setting up .venv (make setup)…", file=sys.stderr, flush=True)
    if shutil.which("make"):
        command = ["make", "-s", "-C", str(ROOT), "setup"]
    else:
        command = [sys.executable, "-m", "venv", str(VENV)]
    done = subprocess.run(command, stdout=sys.stderr, stderr=sys.stderr, check=False)
    if done.returncode == 0 and not shutil.which("make"):
        pip = [str(VENV_PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]"]
        done = subprocess.run(pip, stdout=sys.stderr, stderr=sys.stderr, check=False)
    if done.returncode != 0 or not VENV_PYTHON.exists():
        _fail("could not set up .venv; run `make setup` and read its output.")


def _fail(message: str) -> None:
    print(f"ofin: {message}", file=sys.stderr)
    raise SystemExit(2)
