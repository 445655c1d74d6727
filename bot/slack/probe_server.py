"""Socket Mode's small HTTP listener (OFIN_METRICS_PORT): /metrics, /healthz, /readyz, ticks.

HTTP mode serves the same paths beside /slack/events (bot/slack/serve.py); a Socket Mode worker
has no HTTP server of its own, so this one, bounded like the main one, gives Prometheus and an
orchestrator's probes something to call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.ops import probes
from bot.slack.http_server import BoundedServer, make_server

logger = logging.getLogger(__name__)

HOST = "0.0.0.0"  # a scraper runs elsewhere; the pages hold counts and reasons, never secrets


def probe_wsgi(
    schedulers: Sequence[probes.Scheduler], problems: Sequence[probes.Problem]
) -> Callable[[dict, Callable[..., Any]], Iterable[bytes]]:
    """A WSGI app answering GET on probes.PATHS, 404 elsewhere."""

    def application(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        reply = None
        if environ.get("REQUEST_METHOD") == "GET":
            reply = probes.answer(environ.get("PATH_INFO") or "", schedulers, problems)
        if reply is None:
            reply = probes.Reply("404 Not Found", "text/plain; charset=utf-8", b"not found\n")
        start_response(reply.status, [("Content-Type", reply.content_type)])
        return [reply.body]

    return application


def start_probe_server(
    port: int,
    schedulers: Sequence[probes.Scheduler],
    problems: Sequence[probes.Problem],
    host: str = HOST,
) -> BoundedServer:
    """Listen on ``host:port`` in a daemon thread; OSError when the port is taken."""
    server = make_server(
        probe_wsgi(schedulers, problems), host, port, threads=2, connection_limit=64
    )
    threading.Thread(target=server.run, name="ofin-probes", daemon=True).start()
    return server
