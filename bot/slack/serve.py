"""HTTP mode: Bolt's WSGI adapter at /slack/events under a threaded stdlib WSGI server.

For production run ``bot.slack.wsgi:application`` under gunicorn instead (see the Procfile).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import ConfigError

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

WsgiApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]


def make_wsgi(app: App) -> WsgiApp:
    """The WSGI application: Slack requests at /slack/events, and GET /healthz for probes."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n"]
        return slack(environ, start_response)

    return application


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """A WSGI server that handles each request in its own thread."""

    daemon_threads = True
    allow_reuse_address = True


class LoggingRequestHandler(WSGIRequestHandler):
    """Send the access log to logging instead of raw stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


def run_serve(host: str = "127.0.0.1", port: int = 3000) -> int:
    """Serve HTTP mode until SIGTERM or Ctrl-C; print the URL once listening; return exit code."""
    from bot.run import prepare
    from bot.slack.app import build, run_startup_hooks

    prepared = prepare()
    if isinstance(prepared, int):
        return prepared
    settings, kb = prepared
    try:
        app, core = build(settings, kb)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        server = make_server(
            host,
            port,
            make_wsgi(app),
            server_class=ThreadingWSGIServer,
            handler_class=LoggingRequestHandler,
        )
    except OSError as exc:
        print(f"ofin: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    run_startup_hooks(app, core)

    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print(f"ofin: serving on http://{host}:{server.server_port}{EVENTS_PATH}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
