"""Source files cite modules that exist: a comment naming a module after it moved misleads."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITED = re.compile(r"(?<![\w/.])bot/[\w/]+\.py\b")
# Where a path is cited: code, tests, the build and settings files (docs are the docs' business).
SOURCES = ("*.py", "*.toml", "Makefile", "Procfile", ".env.example", "*.yml", "*.cfg", "*.sh")


def tracked_sources() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--", *SOURCES], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    if not listed:  # not a git checkout: every file under the repository's own folders
        return [
            p for pattern in SOURCES for p in ROOT.glob(f"**/{pattern}") if ".venv" not in p.parts
        ]
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def test_every_cited_module_exists() -> None:
    missing = [
        f"{path.relative_to(ROOT)}:{n}: {cited}"
        for path in tracked_sources()
        for n, text in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        for cited in CITED.findall(text)
        if not (ROOT / cited).exists()
    ]
    assert not missing, "cited modules that do not exist:\n" + "\n".join(missing)
