"""HTTP mode: Bolt's WSGI adapter at /slack/events, served by bot/slack/http_server.py.

``python -m bot serve`` is the production server (waitress, bounded: see the Procfile and the
README's measurements); ``bot.slack.wsgi:application`` remains for other WSGI servers.
"""

from __future__ import annotations

import gc
import io
import logging
import signal
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.commands.core import Core
from bot.config import ConfigError
from bot.ops import probes
from bot.ops.model import running_model_problem
from bot.slack import shape
from bot.slack.http_server import MAX_BODY_BYTES, make_server
from bot.slack.verify import RequestVerifier, Verdict

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = probes.HEALTH_PATH  # liveness
READY_PATH = probes.READY_PATH  # 200 when ofin can do its work, else 503 and why
TICKS_PATH = probes.TICKS_PATH  # each scheduler thread's finished passes, as JSON

WsgiApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]


def make_wsgi(
    app: App,
    signing_secret: str,
    schedulers: Sequence[probes.Scheduler] = (),
    problems: Sequence[probes.Problem] = (),
) -> WsgiApp:
    """The WSGI app: Slack requests at /slack/events; GET /healthz, /readyz, /metrics and ticks.

    /healthz says the process answers; /readyz also that it can do its work: 503 and the reason
    when one of ``problems`` names one (the database cannot take writes, the model is missing)
    or a scheduler has not finished a pass for 3 intervals (bot/ops/probes.py).

    Before Bolt sees a request it is refused with 413 when too large, 401 unless Slack signed it
    (strictly: see bot/slack/verify.py) and it is not a replay (a repeat marked as Slack's retry
    gets an empty 200 and nothing done), and 400 when it does not have the shape of what Slack
    sends (bot/slack/shape.py: Bolt would fail to parse it and answer 500) or Bolt fails on it
    anyway. /healthz/ticks shows how many passes each of ``schedulers`` has finished; the list
    is read at each request, so one filled after the app is made is shown whole.
    """
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    verifier = RequestVerifier(signing_secret)

    def application(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        if method == "GET" and path in probes.PATHS:
            reply = probes.answer(path, schedulers, problems)
            if reply is not None:
                start_response(reply.status, [("Content-Type", reply.content_type)])
                return [reply.body]
        if path == EVENTS_PATH and method == "POST":
            body = _read_body(environ)
            if body is None:
                return _plain(start_response, "413 Payload Too Large", "request too large")
            verdict = verifier.check(
                body,
                environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
                environ.get("HTTP_X_SLACK_SIGNATURE"),
            )
            if verdict is Verdict.REPEAT and "HTTP_X_SLACK_RETRY_NUM" in environ:
                # Slack's retry of a request already handled (or a replay dressed as one: the
                # header is not signed): acknowledged, so Slack stops, and not acted on again.
                logger.info("acknowledged a repeat of a request already handled")
                start_response("200 OK", [("Content-Length", "0")])
                return [b""]
            if verdict is Verdict.REPEAT:
                logger.warning("refused a replayed request")
                return _plain(start_response, "401 Unauthorized", "invalid request")
            if verdict is Verdict.INVALID:
                logger.warning("refused a request without a valid Slack signature")
                return _plain(start_response, "401 Unauthorized", "invalid request")
            wrong = shape.problem(body, environ.get("CONTENT_TYPE") or "")
            if wrong:
                logger.warning("refused a malformed request to %s: %s", path, wrong)
                return _plain(start_response, "400 Bad Request", "malformed Slack request")
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        try:
            return slack(environ, start_response)
        except Exception as exc:
            # Bolt's parsing failed on a signed request of a shape bot/slack/shape.py let through:
            # nothing was done for it; one line (the traceback would repeat for every copy).
            name = type(exc).__name__
            logger.warning("refused a request Bolt could not parse (%s: %.200s)", name, exc)
            return _plain(start_response, "400 Bad Request", "malformed Slack request")

    return application


def _plain(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode() + b"\n"]


def _read_body(environ: dict) -> bytes | None:
    """The request body, or None when it is larger than MAX_BODY_BYTES."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return None
    return environ["wsgi.input"].read(length) if length > 0 else b""


def readiness_checks(core: Core) -> list[probes.Problem]:
    """What /readyz asks besides the schedulers: the database takes writes, the model is there."""
    return [core.store.problem, running_model_problem]


# The collector's thresholds for a serving worker: a young collection every 50,000 allocations, a
# middle one every 20 young ones, a full one every 100 middle ones (Python's defaults: 700, 10, 10).
SERVING_GC_THRESHOLDS = (50_000, 20, 100)


def settle_heap() -> None:
    """Once built, before serving: move what lives as long as the process (the knowledge base,
    its vectors, the model, Bolt's app) out of the garbage collector's sight, and collect less
    often. Under the PostgreSQL soak, 85 of the 93 slowest acks overlapped a full collection of
    the whole heap; with this the p99 ack went from 935-971 ms to 663-729 ms in runs side by
    side on a quiet machine (docs/soak.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLDS)


def run_serve(host: str = "127.0.0.1", port: int = 3000) -> int:
    """Serve HTTP mode until SIGTERM or Ctrl-C; print the URL once listening; return exit code."""
    from bot.slack.app import build, start_background
    from bot.wiring import prepare

    prepared = prepare()
    if isinstance(prepared, int):
        return prepared
    settings, kb = prepared
    try:
        app, core = build(settings, kb)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    # Started below, once the port is ours; with OAuth installs, the loop's list grows as kinds
    # of scheduler jobs appear.
    teams = getattr(app, "team_cores", None)
    schedulers: list[probes.Scheduler] = teams.loop.kinds if teams is not None else []
    try:
        wsgi = make_wsgi(app, settings.signing_secret or "", schedulers, readiness_checks(core))
        server = make_server(wsgi, host, port)
    except OSError as exc:
        print(f"ofin: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    started = start_background(app, core)
    if teams is None:
        schedulers.extend(started)

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)  # waitress's loop ends on it and lets its threads finish

    signal.signal(signal.SIGTERM, stop)
    settle_heap()
    print(f"ofin: serving on http://{host}:{server.effective_port}{EVENTS_PATH}", flush=True)
    try:
        server.run()
    finally:
        server.close()
    return 0
