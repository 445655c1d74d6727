"""A plain `pip install .` carries everything ofin reads at run time, not only its code."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_knowledge_file_is_package_data() -> None:
    """bot finds knowledge/ beside itself; an install without a file would fail at start."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    assert "knowledge*" in setuptools["packages"]["find"]["include"]
    data = setuptools["package-data"]
    files = sorted((ROOT / "knowledge").rglob("*"))
    assert files, "no knowledge files"
    for folder in {p.parent for p in files if p.is_file()}:
        assert (folder / "__init__.py").is_file(), f"{folder} must be a package to be installed"
    for path in (p for p in files if p.is_file() and p.name != "__init__.py"):
        relative = path.relative_to(ROOT)
        package = ".".join(relative.parent.parts)
        patterns = data.get(package, [])
        assert any(fnmatch.fnmatch(path.name, p) for p in patterns), (
            f"{relative} is not package data: add it under [tool.setuptools.package-data]"
        )
