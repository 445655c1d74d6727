"""Socket Mode's probe listener (OFIN_METRICS_PORT): /metrics, /healthz, /readyz over real HTTP."""

from __future__ import annotations

import requests

from bot.slack.probe_server import start_probe_server


def test_the_probe_listener_serves_metrics_and_readiness():
    problems = {"now": None}
    server = start_probe_server(0, [], [lambda: problems["now"]], host="127.0.0.1")
    base = f"http://127.0.0.1:{server.effective_port}"
    try:
        metrics = requests.get(f"{base}/metrics", timeout=5)
        assert metrics.status_code == 200 and "ofin_answers_total" in metrics.text
        assert requests.get(f"{base}/healthz", timeout=5).text == "ok\n"
        assert requests.get(f"{base}/readyz", timeout=5).status_code == 200
        problems["now"] = "the model is missing"
        not_ready = requests.get(f"{base}/readyz", timeout=5)
        assert not_ready.status_code == 503 and "the model is missing" in not_ready.text
        assert requests.get(f"{base}/slack/events", timeout=5).status_code == 404
    finally:
        server.close()
