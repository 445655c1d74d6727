"""Connections to PostgreSQL (psycopg 3, imported only when a PostgreSQL URL is used)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any


def connect(url: str) -> Any:
    """An autocommit psycopg connection to ``url`` (postgresql://…).

    SUM() of an integer column is ``numeric`` on PostgreSQL; it is read back as int (or float),
    as SQLite gives it, never as Decimal.
    """
    import psycopg
    from psycopg.types.numeric import NumericLoader

    class _Number(NumericLoader):
        def load(self, data: Any) -> Any:
            value = super().load(data)
            if isinstance(value, Decimal) and value.is_finite():
                return int(value) if value == value.to_integral_value() else float(value)
            return value

    conn = psycopg.connect(url, autocommit=True)
    conn.adapters.register_loader("numeric", _Number)
    return conn


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def connection_errors() -> tuple[type[BaseException], ...]:
    """What a lost or refused connection raises: psycopg's errors and the OS's."""
    import psycopg

    return (psycopg.Error, OSError)
