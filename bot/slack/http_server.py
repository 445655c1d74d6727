"""The production HTTP server: waitress, bounded before it reads anything.

Slack sends small requests and needs an answer within 3 seconds; what takes a server down is not
load but clients that hold connections, or send more than any Slack request needs, before the
signature can be checked. waitress reads every connection in one event loop (an idle or slow
connection costs a few KB and no thread) and hands only whole requests to a fixed pool of
threads. On top of its own bounds, ofin's channel closes a connection that has not delivered a
whole request ``READ_SECONDS`` after its first byte, however slowly it trickles:

- the request line and headers together: ``MAX_HEADER_BYTES`` (431 beyond);
- the body: ``MAX_BODY_BYTES`` (413 beyond, without reading it);
- a connection silent for ``IDLE_SECONDS`` (before its first byte, or between requests) is
  closed, and so is one whose request is not whole ``READ_SECONDS`` after it began;
- at most ``MAX_CONNECTIONS`` connections at once (more wait in the listen backlog), read by
  one thread; ``THREADS`` threads run the application;
- pipelined requests are answered in order.
"""

from __future__ import annotations

import logging
import resource
import time
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

logger = logging.getLogger(__name__)

READ_SECONDS = 10.0  # from a request's first byte to its last
IDLE_SECONDS = 10.0  # silence before a request's first byte (a new or kept-alive connection)
MAX_HEADER_BYTES = 32 * 1024  # request line and headers; Slack's are well under 2 KB
MAX_BODY_BYTES = 1_000_000  # Slack's payloads are a few KB; anything this big is not Slack
MAX_CONNECTIONS = 4000
THREADS = 32  # a click's ack may wait up to 1 s for its write (bot/slack/work.py)
BACKLOG = 1024
ACCEPT_BATCH = 64  # connections accepted per turn of the event loop


class DeadlineChannel(HTTPChannel):
    """A waitress channel that remembers when the request it is reading began."""

    request_began = 0.0

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_began = time.time()
        return bool(super().received(data))

    def too_slow(self, now: float) -> bool:
        """True when a request has been arriving for longer than READ_SECONDS."""
        reading = self.request is not None and not self.requests
        return reading and now - self.request_began > READ_SECONDS


class BoundedServer(TcpWSGIServer):
    """waitress's TCP server with DeadlineChannel and a check of it every second."""

    channel_class = DeadlineChannel

    def handle_accept(self) -> None:
        # waitress accepts one connection per turn of its loop, and each turn polls every open
        # connection: 2,000 arriving at once cost seconds. Take what is waiting, up to a batch.
        for _ in range(ACCEPT_BATCH):
            if len(self._map) >= self.adj.connection_limit:
                return
            before = len(self._map)
            super().handle_accept()
            if len(self._map) == before:  # nothing was waiting (or accept failed)
                return

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # closes channels silent for IDLE_SECONDS
        for channel in list(self.active_channels.values()):
            if isinstance(channel, DeadlineChannel) and channel.too_slow(now):
                logger.info("closing a connection from %s: request not sent in time", channel.addr)
                channel.will_close = True


def make_server(app: Any, host: str, port: int, **overrides: Any) -> BoundedServer:
    """A bound (not yet running) server for the WSGI ``app``; OSError when the port is taken."""
    connections = _connection_limit(overrides.pop("connection_limit", MAX_CONNECTIONS))
    settings = {
        "host": host,
        "port": port,
        "threads": THREADS,
        "connection_limit": connections,
        "backlog": BACKLOG,
        "channel_timeout": IDLE_SECONDS,
        "cleanup_interval": 1,
        "max_request_header_size": MAX_HEADER_BYTES,
        "max_request_body_size": MAX_BODY_BYTES,
        "asyncore_use_poll": True,  # select() stops at 1,024 descriptors
        "ident": "ofin",
        "expose_tracebacks": False,
        **overrides,
    }
    adj = Adjustments(**settings)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    return BoundedServer(app, map={}, dispatcher=dispatcher, adj=adj)


def _connection_limit(wanted: int) -> int:
    """``wanted``, after raising the open-file limit to fit it; less when the system forbids."""
    spare = 200  # the database, the log, the Slack clients' sockets
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = wanted + spare
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and soft < need:
        limited = max(16, soft - spare)
        logger.warning(
            "serving at most %d connections at once (the open-file limit is %d)", limited, soft
        )
        return limited
    return wanted
