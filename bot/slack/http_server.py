"""The production HTTP server: the stdlib's threaded WSGI server, bounded against slow clients.

Slack sends small requests and needs an answer within 3 seconds; what takes a server down is not
load but clients that hold a connection without finishing their request. So:

- every connection gets ``READ_SECONDS`` to deliver its request line, headers and body, in total
  (a watchdog closes it after that, however slowly it trickles bytes);
- every blocking socket operation (including sending the answer) times out after
  ``SOCKET_TIMEOUT``;
- at most ``MAX_CONNECTIONS`` connections are served at once, each in its own thread; more wait
  in the kernel's listen backlog (``BACKLOG``) instead of being reset;
- the request body is bounded by the WSGI application (bot/slack/serve.py, 413 beyond 1 MB).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

logger = logging.getLogger(__name__)

READ_SECONDS = 10.0  # to send the whole request (line, headers, body)
SOCKET_TIMEOUT = 10.0  # per blocking send or receive
MAX_CONNECTIONS = 512
BACKLOG = 1024
READ_DONE_KEY = "ofin.read_done"  # environ: call once the body is read, to stop the watchdog


class BoundedWSGIServer(ThreadingMixIn, WSGIServer):
    """A thread per connection, at most MAX_CONNECTIONS at once, a deep listen backlog."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = BACKLOG  # socketserver's 5 reset bursts of clients

    def __init__(self, *args: Any, max_connections: int = MAX_CONNECTIONS, **kwargs: Any) -> None:
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        # Wait for a free slot in the accept loop: new clients queue in the backlog meanwhile.
        self._slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that was cut off or timed out is routine, not a traceback.
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)


class BoundedRequestHandler(WSGIRequestHandler):
    """A request handler whose client must finish sending within READ_SECONDS."""

    timeout = SOCKET_TIMEOUT

    def setup(self) -> None:
        super().setup()
        self._watchdog = threading.Timer(READ_SECONDS, self._too_slow)
        self._watchdog.daemon = True
        self._watchdog.start()

    def _too_slow(self) -> None:
        logger.info("closing a connection from %s: request not sent in time", self.client_address)
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def read_done(self) -> None:
        """The request is in: the watchdog has nothing left to guard."""
        self._watchdog.cancel()

    def get_environ(self) -> dict:
        environ = super().get_environ()
        environ[READ_DONE_KEY] = self.read_done
        return environ

    def finish(self) -> None:
        self._watchdog.cancel()
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


def read_done(environ: dict) -> None:
    """Tell the server that the request has been read completely (a no-op under other servers)."""
    done: Callable[[], None] | None = environ.get(READ_DONE_KEY)
    if done is not None:
        done()
