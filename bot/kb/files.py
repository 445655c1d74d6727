"""Where the knowledge files are: a folder (with its ``services/`` folder) or a single file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SERVICES_DIR = "services"
AREAS_STEM = "areas"
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Layout:
    """The files that make up one knowledge base."""

    root: Path
    is_folder: bool
    service_files: tuple[Path, ...]
    area_files: tuple[Path, ...]
    item_files: tuple[Path, ...]
    services_dir: Path  # where the services are expected, for the "missing" message


def layout(path: Path) -> Layout:
    """Find the services, areas and items files at ``path`` (a folder or one file).

    A single items file comes with the ``services/`` folder beside it; a single services file or
    ``areas.yaml`` comes alone. Raise FileNotFoundError when ``path`` does not exist.
    """
    if path.is_dir():
        files = yaml_files(path)
        areas = tuple(p for p in files if _is_areas_file(p))
        items = tuple(p for p in files if not _is_areas_file(p))
        services_dir = path / SERVICES_DIR
        return Layout(path, True, yaml_files(services_dir), areas, items, services_dir)
    if path.is_file():
        if path.parent.name == SERVICES_DIR:
            return Layout(path, False, (path,), (), (), path.parent)
        services_dir = path.parent / SERVICES_DIR
        if _is_areas_file(path):
            return Layout(path, False, (), (path,), (), services_dir)
        return Layout(path, False, yaml_files(services_dir), (), (path,), services_dir)
    raise FileNotFoundError(f"no such file or folder: {path}")


def yaml_files(folder: Path) -> tuple[Path, ...]:
    """The visible ``*.yaml`` / ``*.yml`` files directly in ``folder``, in name order."""
    if not folder.is_dir():
        return ()
    return tuple(
        sorted(
            p
            for p in folder.iterdir()
            if p.suffix in YAML_SUFFIXES and not p.name.startswith(".") and p.is_file()
        )
    )


def _is_areas_file(path: Path) -> bool:
    return path.stem == AREAS_STEM and path.suffix in YAML_SUFFIXES


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is inside it, else as given."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except ValueError:
        return str(path)
