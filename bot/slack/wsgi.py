"""``application`` for another WSGI server: ``waitress-serve bot.slack.wsgi:application``.

``python -m bot serve`` is the production server, with ofin's bounds on every connection
(bot/slack/http_server.py); this module is for running under a server of your own.

Settings and the knowledge base are checked at import; a problem stops the worker with the same
clear message as ``python -m bot serve``.
"""

from __future__ import annotations

import sys

from bot.config import ConfigError
from bot.slack.app import build, start_background
from bot.slack.serve import WsgiApp, make_wsgi, readiness_checks
from bot.wiring import prepare


def _build() -> WsgiApp:
    prepared = prepare()
    if isinstance(prepared, int):
        raise SystemExit(prepared)
    settings, kb = prepared
    try:
        app, core = build(settings, kb)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    # With OAuth installs the list grows as kinds of scheduler jobs appear.
    schedulers = start_background(app, core)
    return make_wsgi(app, settings.signing_secret or "", schedulers, readiness_checks(core))


application = _build()
