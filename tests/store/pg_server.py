"""A throwaway PostgreSQL server for tests: initdb and pg_ctl on a unix socket in a temp folder.

Uses Debian's PostgreSQL 15 binaries (/usr/lib/postgresql/15/bin, or OFIN_PG_BIN); tests that
need it are skipped, with the reason, when the binaries or psycopg are absent. As root (CI
containers), the server runs as the ``postgres`` user, since PostgreSQL refuses root. No network:
the server listens on its socket only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("OFIN_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("PostgreSQL refuses to run as root and runuser is absent")
    return [runuser, "-u", "postgres", "--", *command]


def pg_server() -> Iterator[str]:
    """Start a server; yield its URL (postgresql://ofin@/postgres?host=<socket folder>)."""
    pytest.importorskip("psycopg", reason="psycopg is not installed")
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"no PostgreSQL binaries in {PG_BIN}")
    folder = Path(tempfile.mkdtemp(prefix="ofin-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    run = {"check": True, "capture_output": True, "timeout": 60}
    subprocess.run(
        _as_server_user(
            [str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "ofin", "--no-sync"]
        ),
        **run,
    )
    options = f"-k {folder} -c listen_addresses='' -F"
    subprocess.run(
        _as_server_user(
            [str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log")]
            + ["-w", "start"]
        ),
        **run,
    )
    try:
        yield f"postgresql://ofin@/postgres?host={folder}"
    finally:
        subprocess.run(
            _as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)
