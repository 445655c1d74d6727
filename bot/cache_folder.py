"""Where ofin keeps what it can compute again: $OFIN_CACHE_DIR, else the XDG cache folder.

The model's int8 graph, the knowledge base's embeddings and the marks of knowledge files already
found clean live there; deleting the folder only costs the time to compute them again.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "OFIN_CACHE_DIR"


def cache_dir() -> Path:
    """$OFIN_CACHE_DIR, else $XDG_CACHE_HOME/ofin or ~/.cache/ofin."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ofin"
