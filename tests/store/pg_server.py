"""A throwaway PostgreSQL server for tests: initdb and pg_ctl on a unix socket in a temp folder.

Uses Debian's PostgreSQL 15 binaries (/usr/lib/postgresql/15/bin, or OFIN_PG_BIN); tests that
need it are skipped, with the reason, when the binaries or psycopg are absent. As root (CI
containers), the server runs as the ``postgres`` user, since PostgreSQL refuses root. No network:
the server listens on its socket only.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
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


def pg_server(tcp: bool = False) -> Iterator[str]:
    """Start a server; yield its URL (postgresql://ofin@/postgres?host=<socket folder>).

    ``tcp``: it also listens on loopback, at a free port, and the URL names that instead
    (postgresql://ofin@127.0.0.1:PORT/postgres?sslmode=disable), as a server elsewhere would be.
    """
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
    port = _free_port() if tcp else 5432  # the socket's name needs a port number even so
    listen = "127.0.0.1" if tcp else "''"
    options = f"-k {folder} -c listen_addresses={listen} -p {port} -F"
    subprocess.run(
        _as_server_user(
            [str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log")]
            + ["-w", "start"]
        ),
        **run,
    )
    try:
        if tcp:
            yield f"postgresql://ofin@127.0.0.1:{port}/postgres?sslmode=disable"
        else:
            yield f"postgresql://ofin@/postgres?host={folder}"
    finally:
        subprocess.run(
            _as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


_numbers = itertools.count(1)
TEMPLATE = "ofin_template"


def fresh_database(server_url: str) -> str:
    """A new, empty ofin database on the server (a copy of a template with the schema); its URL.

    Copying a template takes milliseconds; building the schema each time would take longer.
    """
    from bot.store.pg_schema import apply_schema
    from bot.store.postgres import connect

    name = f"ofin_{os.getpid()}_{next(_numbers)}"
    with connect(server_url) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [TEMPLATE])
        if exists.fetchone() is None:
            admin.execute(f"CREATE DATABASE {TEMPLATE}")
            apply_schema(database_url(server_url, TEMPLATE))
        # FILE_COPY: faster than WAL-logging every page of a small database
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
    return database_url(server_url, name)


def database_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server at ``server_url``."""
    return server_url.replace("/postgres?", f"/{name}?", 1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
