"""The end-to-end tests' Slack stand-in, run in a process of its own with a small control API."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import urlsplit

import requests

from soaking.common import ENTRY
from tests.e2e.harness import FakeSlack


class RemoteFake:
    """The end-to-end tests' Slack stand-in, run in its own process with a small control API.

    In the load client's process its HTTP handling would compete with the client's threads for
    one GIL and inflate every measured ack.
    """

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ENTRY), "--serve-fake"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # a bot killed mid-reply makes it log broken pipes
            text=True,
        )
        assert self.proc.stdout is not None
        self.api_url, self.control = self.proc.stdout.readline().split()
        self.base_url = self.api_url[: -len("/api/")]

    def response_url(self, response_id: str) -> str:
        return f"{self.base_url}/response/{response_id}"

    def _ask(self, path: str, **params: object) -> dict:
        reply = requests.post(f"{self.control}/{path}", params=params, timeout=120)
        reply.raise_for_status()
        return reply.json()

    def count(self, prefix: str) -> int:
        return int(self._ask("count", prefix=prefix)["n"])

    def last_text(self, name: str, ts: str) -> str | None:
        return self._ask("last", name=name, ts=ts)["text"]

    def add_file(self, name: str, data: bytes) -> str:
        reply = requests.post(f"{self.control}/add_file", params={"name": name}, data=data)
        reply.raise_for_status()
        return str(reply.json()["id"])

    def posts(self, channel: str) -> list[str]:
        return list(self._ask("posts", channel=channel)["texts"])

    def texts(self, prefix: str) -> list[str]:
        return list(self._ask("texts", prefix=prefix)["texts"])

    def slow(self, method: str, seconds: float) -> None:
        self._ask("slow", method=method, seconds=seconds)

    def reset(self) -> None:
        self._ask("reset")

    def settle(self, quiet: float = 0.5, timeout: float = 10.0) -> None:
        self._ask("settle", quiet=quiet, timeout=timeout)

    def install_as(self, team: str) -> None:
        self._ask("install_as", team=team)

    def set_redirect(self, url: str) -> None:
        self._ask("redirect", url=url)

    def tokens(self, prefix: str) -> tuple[int, int]:
        """(calls about channels starting with ``prefix``, how many used another's token)."""
        answer = self._ask("tokens", prefix=prefix)
        return int(answer["checked"]), int(answer["wrong"])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def serve_fake() -> int:
    """The stand-in's process: print its API URL and control URL, serve until terminated."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qsl

    fake = FakeSlack().start()

    class Control(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            q = dict(parse_qsl(parts.query))
            answer: dict = {}
            if parts.path == "/count":
                answer["n"] = sum(1 for c in fake.calls() if c.name.startswith(q["prefix"]))
            elif parts.path == "/last":
                found = [c for c in fake.calls(q["name"]) if c.body.get("ts") == q["ts"]]
                answer["text"] = found[-1].text() if found else None
            elif parts.path == "/slow":
                fake.slow(q["method"], float(q["seconds"]))
            elif parts.path == "/reset":
                fake.reset()
            elif parts.path == "/settle":
                fake.settle(float(q["quiet"]), float(q["timeout"]))
            elif parts.path == "/add_file":
                length = int(self.headers.get("Content-Length") or 0)
                answer["id"] = fake.add_file(q["name"], self.rfile.read(length))
            elif parts.path == "/posts":
                answer["texts"] = [
                    str(c.body.get("text") or "")
                    for c in fake.calls("chat.postMessage")
                    if c.body.get("channel") == q["channel"]
                ]
            elif parts.path == "/texts":
                answer["texts"] = [c.text() for c in fake.calls() if c.name.startswith(q["prefix"])]
            elif parts.path == "/install_as":
                fake.install_as(q["team"])
            elif parts.path == "/redirect":
                fake.set_redirect_url(q["url"])
            elif parts.path == "/tokens":
                # Calls about a workspace's channel (C…) made with another's token (T…).
                about = [
                    c
                    for c in fake.calls()
                    if c.name.startswith("chat.")
                    and str(c.body.get("channel", "")).startswith(q["prefix"])
                ]
                answer["checked"] = len(about)
                answer["wrong"] = sum(
                    1 for c in about if fake.team_of(c) != "T" + str(c.body["channel"])[1:]
                )
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    control = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    print(fake.api_url, f"http://127.0.0.1:{control.server_address[1]}", flush=True)
    try:
        control.serve_forever()
    finally:
        fake.stop()
    return 0
