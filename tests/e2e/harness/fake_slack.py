"""A local stand-in for Slack's Web API and for response_url, on a loopback port-0 server.

It records every request and answers plausible JSON, so end-to-end tests can point the bot at it
(``SLACK_API_URL=fake.api_url``) and assert on what the bot called::

    fake = FakeSlack().start()
    fake.set_user("UADMIN", is_admin=True, tz="Europe/Paris")
    fake.rate_limit_next("chat.postMessage", retry_after=1)   # one 429, then normal answers
    url = fake.response_url("abc")                             # give this to a slash command
    posts = fake.wait_for("chat.postMessage", count=1)         # listeners run after the ack
    fake.responses("abc")                                      # what the bot sent to that URL
    fake.on("chat.delete", lambda call: {"ok": True})          # answer a method your own way
    file_id = fake.add_file("stack.yaml", b"Resources: ...")   # files.info + its download URL
    fake.uploads()                                             # files sent with files_upload_v2
    fake.fail_next("chat.postMessage", status=500, times=2)   # faults: two HTTP 500s
    fake.fail_next("chat.update", delay=5)                    # one call that hangs for 5 s
    fake.slow("users.info", 3)                                # every users.info takes 3 s
    fake.set_members("C1", ["U1", "U2"])                      # conversations.members
    fake.fail_uploads(status=500)                             # the next file upload POST fails
    fake.uploaded()                                           # {file_id: bytes} uploaded so far
    fake.set_scopes(["chat:write", "commands"])               # the token's x-oauth-scopes
    fake.set_user("U1", name="Ada Lovelace", email="ada@example.com")  # users.info, users.list

Web API calls are recorded under their method name ("chat.postMessage"); posts to a response_url
under "response:<id>"; files_upload_v2's uploads under "upload:<file id>" (the bytes as text in
``body["content"]``, exactly in ``Call.raw``), downloads of a file under "download:<file id>".
Only answered calls count as delivered: a call refused with 429 is
recorded with ``status == 429``, and ``calls()`` leaves it out unless ``include_refused=True``;
so is a call answered by an injected fault (its ``status``, or 599 for a hang that answered ok).
Delays are bounded (at most MAX_DELAY seconds), so a test can never hang on the stand-in.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0TEST"
JSON_FIELDS = ("blocks", "attachments", "view", "metadata")
MAX_DELAY = 30.0
MANIFEST = Path(__file__).resolve().parents[3] / "manifest.yml"


def manifest_scopes() -> list[str]:
    """The bot scopes manifest.yml asks for: what a correctly installed token has."""
    return list(yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour: wait ``delay`` seconds, then answer ``status`` (or normally)."""

    status: int | None = None
    delay: float = 0.0
    error: str = "internal_error"
    retry_after: int | None = None


@dataclass
class Call:
    """One request the bot made: a Web API method or a post to a response_url."""

    name: str  # "chat.postMessage", or "response:<id>"
    http_method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]  # form fields or JSON, with JSON-string fields (blocks, view) decoded
    status: int = 200
    at: float = field(default_factory=time.monotonic)
    raw: bytes = b""  # the request body as sent (file uploads)

    def text(self) -> str:
        """Every piece of text in the call (text, blocks, view) as one string, for assertions."""
        return json.dumps(self.body, ensure_ascii=False)


def _decode_fields(body: dict[str, Any]) -> dict[str, Any]:
    for key in JSON_FIELDS:
        value = body.get(key)
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):
                body[key] = json.loads(value)
    return body


class _Server(ThreadingHTTPServer):
    """http.server's threading server with a listen backlog fit for bursts: several ofin workers
    sending a burst's follow-ups at once overflowed socketserver's default of 5 (connections
    reset, and the bot logged tracebacks that were the stand-in's, not its own)."""

    request_queue_size = 1024
    daemon_threads = True


class FakeSlack:
    """The stand-in server; thread-safe; start() binds a free loopback port."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._calls: list[Call] = []
        self._users: dict[str, dict[str, Any]] = {}
        self._handlers: dict[str, Callable[[Call], dict[str, Any]]] = {}
        self._rate_limits: dict[str, list[int]] = {}
        self._faults: dict[str, list[Fault]] = {}
        self._slow: dict[str, float] = {}
        self._history: dict[str, list[dict[str, Any]]] = {}  # channel -> messages, oldest first
        self._ts = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._files: dict[str, dict[str, Any]] = {}
        self._members: dict[str, list[str]] = {}
        self._upload_failures: list[int] = []
        self._scopes: list[str] | None = None  # None: the manifest's
        self._teams: dict[str, str] = {}  # bot token -> its workspace (OAuth installs)
        self._installing: list[tuple[str, str | None]] = []  # who consents next: (team, org)
        self._redirect_url: str | None = None  # the app's OAuth redirect URL (its manifest's)
        self._rotation = False  # token rotation on: tokens expire and come with a refresh token
        self._tokens = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Listen on 127.0.0.1 at a free port, in a background thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # http.server calls do_<METHOD>
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        """The port the server listens on."""
        assert self._server is not None, "call start() first"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The value for SLACK_API_URL (ends with a slash, as slack_sdk expects)."""
        return f"{self.base_url}/api/"

    def response_url(self, response_id: str) -> str:
        """A response_url that this server accepts and records under "response:<id>"."""
        return f"{self.base_url}/response/{response_id}"

    # --- OAuth installs ---------------------------------------------------------------------

    def install_as(self, team_id: str, *, enterprise_id: str | None = None) -> None:
        """The next consent at /oauth/v2/authorize is given by ``team_id`` (an org-wide one with
        ``team_id`` "" and an ``enterprise_id``)."""
        with self._lock:
            self._installing.append((team_id, enterprise_id))

    def set_redirect_url(self, url: str) -> None:
        """Where the consent page sends people back (the app's redirect URL, as configured)."""
        self._redirect_url = url

    def enable_token_rotation(self) -> None:
        """Tokens from oauth.v2.access expire in 12 hours and come with a refresh token."""
        self._rotation = True

    def team_of(self, call: Call) -> str | None:
        """The workspace whose token made ``call`` (from its Authorization header)."""
        token = call.headers.get("Authorization", "").removeprefix("Bearer ")
        with self._lock:
            return self._teams.get(token)

    def _new_token(self, team: str) -> str:
        token = f"xoxb-{team or 'org'}-{next(self._tokens)}"
        self._teams[token] = team
        return token

    def _consent(self, request: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        """Slack's consent page: the person allows, and is sent back with a code."""
        with self._lock:
            team, org = self._installing.pop(0) if self._installing else (TEAM_ID, None)
        code = f"code:{team}:{org or ''}"
        target = query.get("redirect_uri") or self._redirect_url or ""
        location = f"{target}?code={code}&state={query.get('state', '')}"
        call = Call("oauth.authorize", "GET", "/oauth/v2/authorize", {}, dict(query))
        with self._lock:
            self._calls.append(call)
            self._lock.notify_all()
        request.send_response(302)
        request.send_header("Location", location)
        request.send_header("Content-Length", "0")
        request.end_headers()

    def _oauth_access(self, body: dict[str, Any]) -> dict[str, Any]:
        """oauth.v2.access: a code for a workspace's own token, or a refresh token for a new one."""
        if body.get("grant_type") == "refresh_token":
            refresh = str(body.get("refresh_token", ""))
            team = refresh.split(":")[1] if refresh.count(":") == 2 else None
            if team is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            with self._lock:
                token = self._new_token(team)
            return {
                "ok": True,
                "access_token": token,
                "refresh_token": f"xoxe:{team}:{next(self._tokens)}",
                "expires_in": 43200,
                "token_type": "bot",
                "team": {"id": team},
            }
        parts = str(body.get("code", "")).split(":")
        if len(parts) != 3 or parts[0] != "code":
            return {"ok": False, "error": "invalid_code"}
        team, org = parts[1], parts[2] or None
        with self._lock:
            token = self._new_token(team)
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": "A0OFIN",
            "access_token": token,
            "token_type": "bot",
            "scope": ",".join(manifest_scopes()),
            "bot_user_id": BOT_USER_ID,
            "team": {"id": team, "name": f"team {team}"} if team else None,
            "enterprise": {"id": org, "name": f"org {org}"} if org else None,
            "is_enterprise_install": bool(org and not team),
            "authed_user": {"id": f"UINSTALL{team}"},
        }
        if self._rotation:
            answer |= {"refresh_token": f"xoxe:{team}:{next(self._tokens)}", "expires_in": 43200}
        return answer

    # --- configuration --------------------------------------------------------------------

    def reset(self) -> None:
        """Forget recorded calls, pending rate limits and custom handlers (users are kept)."""
        with self._lock:
            self._calls.clear()
            self._rate_limits.clear()
            self._handlers.clear()
            self._upload_failures.clear()
            self._faults.clear()
            self._slow.clear()
            self._scopes = None

    def set_user(
        self,
        user_id: str,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        tz: str = "UTC",
        tz_offset: int = 0,
        name: str | None = None,
        is_bot: bool = False,
        email: str | None = None,
    ) -> None:
        """Describe a user for users.info and users.list (unknown users: plain members in UTC).

        The email is shown only while the token's scopes include users:read.email, as in Slack.
        """
        profile = {"display_name": name or "", "real_name": name or user_id}
        if email:
            profile["email"] = email
        with self._lock:
            self._users[user_id] = {
                "profile": profile,
                "id": user_id,
                "team_id": TEAM_ID,
                "name": name or user_id.lower(),
                "real_name": name or user_id,
                "is_admin": is_admin,
                "is_owner": is_owner,
                "is_primary_owner": False,
                "is_bot": is_bot,
                "tz": tz,
                "tz_offset": tz_offset,
            }

    def set_scopes(self, scopes: list[str] | None) -> None:
        """The scopes every Web API answer names in x-oauth-scopes (None: the manifest's)."""
        with self._lock:
            self._scopes = None if scopes is None else list(scopes)

    def on(self, method: str, handler: Callable[[Call], dict[str, Any]]) -> None:
        """Answer ``method`` with ``handler(call)`` (a JSON dict) instead of the default."""
        with self._lock:
            self._handlers[method] = handler

    def set_members(self, channel: str, members: list[str]) -> None:
        """What conversations.members answers for ``channel`` (unknown channels: nobody)."""
        with self._lock:
            self._members[channel] = list(members)

    def fail_uploads(self, status: int = 500, times: int = 1) -> None:
        """Answer the next ``times`` file-upload POSTs with HTTP ``status``."""
        with self._lock:
            self._upload_failures.extend([status] * times)

    def uploaded(self) -> dict[str, bytes]:
        """The exact bytes of every accepted file upload, by file id."""
        return {
            c.name.split(":", 1)[1]: c.raw for c in self.calls() if c.name.startswith("upload:")
        }

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Refuse the next ``times`` calls of ``method`` with HTTP 429 and Retry-After."""
        with self._lock:
            self._rate_limits.setdefault(method, []).extend([retry_after] * times)

    def add_file(
        self, name: str, content: bytes, *, size: int | None = None, filetype: str = "text"
    ) -> str:
        """Serve a file for files.info and at its url_private_download; return its id.

        ``size`` overrides the size files.info reports (to test limits without big bodies).
        """
        with self._lock:
            file_id = f"F{next(self._file_ids):08d}"
            self._files[file_id] = {
                "name": name,
                "content": content,
                "size": size,
                "type": filetype,
            }
        return file_id

    def file_object(self, file_id: str) -> dict[str, Any]:
        """The file object Slack sends in events and files.info for a file added here."""
        with self._lock:
            entry = self._files[file_id]
        return {
            "id": file_id,
            "name": entry["name"],
            "title": entry["name"],
            "filetype": entry["type"],
            "size": entry["size"] if entry["size"] is not None else len(entry["content"]),
            "url_private": f"{self.base_url}/files/{file_id}/{entry['name']}",
            "url_private_download": f"{self.base_url}/files/{file_id}/download/{entry['name']}",
        }

    def uploads(self) -> list[Call]:
        """The files the bot uploaded (files_upload_v2), oldest first."""
        return [c for c in self.calls() if c.name.startswith("upload:")]

    def fail_next(
        self,
        method: str,
        *,
        status: int | None = 500,
        times: int = 1,
        delay: float = 0.0,
        error: str = "internal_error",
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` after ``delay`` s with HTTP ``status``.

        ``status=None`` with a delay is a hang that finally answers normally (as when Slack took
        the call but the caller gave up waiting); ``retry_after`` adds that header (a 429).
        """
        fault = Fault(status, min(delay, MAX_DELAY), error, retry_after)
        with self._lock:
            self._faults.setdefault(method, []).extend([fault] * times)

    def slow(self, method: str, seconds: float) -> None:
        """Make every call of ``method`` wait ``seconds`` before answering (until reset)."""
        with self._lock:
            self._slow[method] = min(seconds, MAX_DELAY)

    # --- what the bot did -----------------------------------------------------------------

    def calls(self, name: str | None = None, *, include_refused: bool = False) -> list[Call]:
        """Recorded calls, oldest first; only ``name`` when given; 429-refused ones on request."""
        with self._lock:
            return [
                c
                for c in self._calls
                if (name is None or c.name == name) and (include_refused or c.status < 400)
            ]

    def responses(self, response_id: str) -> list[Call]:
        """What the bot posted to response_url(response_id)."""
        return self.calls(f"response:{response_id}")

    def wait_for(self, name: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait until at least ``count`` calls named ``name`` landed; return them (or fail)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self._calls if c.name == name and c.status < 400]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = sorted({c.name for c in self._calls})
                    raise AssertionError(
                        f"expected {count} {name} call(s) within {timeout}s, got {len(found)}; "
                        f"calls seen: {seen}"
                    )
                self._lock.wait(left)

    def settle(self, quiet: float = 0.5, timeout: float = 10.0) -> list[Call]:
        """Wait until no call arrived for ``quiet`` seconds; return every call."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                last = self._calls[-1].at if self._calls else 0.0
            if time.monotonic() - last >= quiet:
                break
            time.sleep(quiet / 4)
        return self.calls(include_refused=True)

    # --- the server side --------------------------------------------------------------------

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        if parts.path.startswith(("/upload/", "/files/")):
            self._handle_file(request, parts.path, raw)
            return
        body: dict[str, Any] = dict(parse_qsl(parts.query))
        content_type = request.headers.get("Content-Type", "")
        if raw and "json" in content_type:
            body.update(json.loads(raw))
        elif raw:
            body.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        _decode_fields(body)

        if parts.path == "/oauth/v2/authorize":
            self._consent(request, {k: str(v) for k, v in body.items()})
            return
        if parts.path.startswith("/api/"):
            name = parts.path[len("/api/") :]
        elif parts.path.startswith("/response/"):
            name = "response:" + parts.path[len("/response/") :]
        else:
            self._send(request, 404, {"ok": False, "error": "unknown_path"})
            return
        call = Call(name, request.command, parts.path, dict(request.headers.items()), body)

        with self._lock:
            pending = self._rate_limits.get(name)
            retry_after = pending.pop(0) if pending else None
            if retry_after is not None:
                call.status = 429
            faults = self._faults.get(name)
            fault = faults.pop(0) if faults and retry_after is None else None
            delay = (fault.delay if fault else 0.0) + self._slow.get(name, 0.0)
            if fault is not None:
                call.status = fault.status or 599
            answered_late = bool(delay) and fault is None  # a slow call counts once answered
            if not answered_late:
                self._calls.append(call)
                self._lock.notify_all()
            handler = self._handlers.get(name)
        hung_answer = None
        if fault is not None and fault.status is None:  # Slack acts at once, answers late
            hung_answer = handler(call) if handler else self._answer(call)
        if delay:
            time.sleep(delay)
        if answered_late:
            with self._lock:
                call.at = time.monotonic()
                self._calls.append(call)
                self._lock.notify_all()
        if fault is not None and fault.status is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else None
            with contextlib.suppress(OSError):
                self._send(request, fault.status, {"ok": False, "error": fault.error}, headers)
            return
        if fault is not None:  # a hang that answered: the bot may have given up; still answer
            with contextlib.suppress(OSError):
                self._send(request, 200, hung_answer)
            return
        if retry_after is not None:
            self._send(
                request,
                429,
                {"ok": False, "error": "ratelimited"},
                {"Retry-After": str(retry_after)},
            )
        elif name.startswith("response:"):
            self._send(request, 200, None)
        else:
            with self._lock:
                scopes = manifest_scopes() if self._scopes is None else self._scopes
            self._send(
                request,
                200,
                handler(call) if handler else self._answer(call),
                {"x-oauth-scopes": ",".join(scopes)},
            )

    def _handle_file(self, request: BaseHTTPRequestHandler, path: str, raw: bytes) -> None:
        """An upload to a files_upload_v2 URL, or a download of a file added with add_file."""
        headers = dict(request.headers.items())
        if path.startswith("/upload/"):
            file_id = path[len("/upload/") :]
            body = {"content": raw.decode("utf-8", "replace")}
            call = Call(f"upload:{file_id}", request.command, path, headers, body, raw=raw)
            payload: bytes | None = b"OK - " + str(len(raw)).encode()
            with self._lock:
                if self._upload_failures:
                    call.status = self._upload_failures.pop(0)
                    payload = None
        else:
            file_id = path.split("/")[2]
            call = Call(f"download:{file_id}", request.command, path, headers, {})
            with self._lock:
                entry = self._files.get(file_id)
            authorized = headers.get("Authorization", "").startswith("Bearer xoxb-")
            payload = entry["content"] if entry and authorized else None
            call.status = 200 if payload is not None else 404
        with self._lock:
            self._calls.append(call)
            self._lock.notify_all()
        data = payload if payload is not None else b"not found"
        request.send_response(call.status)
        request.send_header("Content-Type", "application/octet-stream")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def _answer(self, call: Call) -> dict[str, Any]:
        body = call.body
        if call.name == "files.getUploadURLExternal":
            file_id = f"FUP{next(self._file_ids):07d}"
            return {
                "ok": True,
                "upload_url": f"{self.base_url}/upload/{file_id}",
                "file_id": file_id,
            }
        if call.name == "files.completeUploadExternal":
            files = body.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            return {
                "ok": True,
                "files": [{"id": f.get("id"), "title": f.get("title")} for f in files],
            }
        if call.name == "files.info":
            file_id = str(body.get("file", ""))
            with self._lock:
                known = file_id in self._files
            if not known:
                return {"ok": False, "error": "file_not_found"}
            return {"ok": True, "file": self.file_object(file_id)}
        if call.name == "conversations.members":
            with self._lock:
                members = list(self._members.get(str(body.get("channel", "")), []))
            return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}
        if call.name == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(body.get("users", "")).split(",")[0]}}
        if call.name == "oauth.v2.access":
            return self._oauth_access(body)
        if call.name == "auth.test":
            return {
                "ok": True,
                "url": "https://ofin-test.slack.com/",
                "team": "ofin test",
                "user": "ofin",
                "team_id": self.team_of(call) or TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if call.name == "chat.postMessage":
            ts = self._next_ts()
            message = {"type": "message", "ts": ts, "user": BOT_USER_ID, "bot_id": BOT_ID}
            message.update({k: body[k] for k in ("text", "blocks", "thread_ts") if k in body})
            with self._lock:
                self._history.setdefault(str(body.get("channel")), []).append(message)
            return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": message}
        if call.name == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if call.name == "chat.update":
            return {
                "ok": True,
                "channel": body.get("channel"),
                "ts": body.get("ts"),
                "text": body.get("text", ""),
            }
        if call.name == "views.publish":
            view = dict(body.get("view") or {})
            view.update({"id": "VHOME", "team_id": TEAM_ID})
            return {"ok": True, "view": view}
        if call.name == "users.list":
            with self._lock:
                emails = self._emails_visible()
                everyone = [self._visible(u, emails) for _, u in sorted(self._users.items())]
            start = int(body.get("cursor") or 0)
            limit = int(body.get("limit") or 200)
            page = everyone[start : start + limit]
            more = start + limit < len(everyone)
            return {
                "ok": True,
                "members": page,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""},
            }
        if call.name == "users.info":
            user_id = str(body.get("user", ""))
            with self._lock:
                user = self._users.get(user_id)
                user = self._visible(user, self._emails_visible()) if user else None
            if user is None:
                user = {
                    "id": user_id,
                    "team_id": TEAM_ID,
                    "name": user_id.lower(),
                    "is_admin": False,
                    "is_owner": False,
                    "is_primary_owner": False,
                    "is_bot": False,
                    "tz": "UTC",
                    "tz_offset": 0,
                }
            return {"ok": True, "user": user}
        if call.name == "conversations.history":
            oldest = float(body.get("oldest") or 0)
            with self._lock:
                found = list(self._history.get(str(body.get("channel")), []))
            newest_first = [m for m in reversed(found) if float(m["ts"]) > oldest]
            limit = int(body.get("limit") or 100)
            return {"ok": True, "messages": newest_first[:limit], "has_more": False}
        if call.name == "conversations.info":
            channel = str(body.get("channel", ""))
            return {
                "ok": True,
                "channel": {
                    "id": channel,
                    "name": f"team-{channel.lower()}",
                    "is_channel": True,
                    "is_member": True,
                },
            }
        return {"ok": True}

    def _emails_visible(self) -> bool:
        """Whether the token's scopes include users:read.email (lock held)."""
        return "users:read.email" in (manifest_scopes() if self._scopes is None else self._scopes)

    @staticmethod
    def _visible(user: dict[str, Any], emails: bool) -> dict[str, Any]:
        """The user as the token may see it: no email without users:read.email."""
        if emails:
            return user
        profile = {k: v for k, v in (user.get("profile") or {}).items() if k != "email"}
        return {**user, "profile": profile}

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        payload: dict[str, Any] | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = b"ok" if payload is None else json.dumps(payload).encode("utf-8")
        request.send_response(status)
        kind = "text/plain" if payload is None else "application/json; charset=utf-8"
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)
