"""A Socket Mode stand-in: a real WebSocket server on loopback that plays Slack's side.

    socket = SocketModeServer().start()
    fake.on("apps.connections.open", lambda call: {"ok": True, "url": socket.url})
    ...start ``python -m bot`` with SLACK_APP_TOKEN...
    socket.wait_connected()                      # the bot connected; "hello" was sent
    envelope_id = socket.send("slash_commands", {...command fields...})
    ack = socket.wait_ack(envelope_id)           # what the bot acknowledged it with
    socket.stop()

Slack's protocol: on connect the server sends ``{"type": "hello"}``; each request is an
envelope ``{"envelope_id", "type", "payload", "accepts_response_payload"}``, and the app answers
each with ``{"envelope_id", "payload"?}`` over the same socket.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve


class SocketModeServer:
    """Accepts the bot's WebSocket connection, sends envelopes, records the acks it gets."""

    def __init__(self) -> None:
        self._server = serve(self._handle, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._lock = threading.Condition()
        self._connection: ServerConnection | None = None
        self.acks: dict[str, dict[str, Any]] = {}

    @property
    def url(self) -> str:
        """The ws:// URL to hand out from apps.connections.open."""
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket=test"

    def start(self) -> SocketModeServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the connection and stop the server."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
        self._server.shutdown()

    def _handle(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        with self._lock:
            self._connection = connection
            self._lock.notify_all()
        try:
            for message in connection:
                data = json.loads(message)
                with self._lock:
                    if "envelope_id" in data:
                        self.acks[data["envelope_id"]] = data
                    self._lock.notify_all()
        except ConnectionClosed:
            pass

    def wait_connected(self, timeout: float = 30.0) -> None:
        """Wait until the bot has connected."""
        with self._lock:
            if not self._lock.wait_for(lambda: self._connection is not None, timeout):
                raise AssertionError("the bot never connected over Socket Mode")

    def send(self, kind: str, payload: dict[str, Any]) -> str:
        """Send one envelope of ``kind`` (slash_commands, events_api, interactive); its id."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        with self._lock:
            assert self._connection is not None, "not connected"
            self._connection.send(json.dumps(envelope))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """Wait for the bot's acknowledgement of one envelope."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while envelope_id not in self.acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no ack for envelope {envelope_id}")
                self._lock.wait(left)
            return self.acks[envelope_id]
