"""Operating ofin: structured logs, Prometheus metrics, probes, the request record, ``doctor``.

Nothing here imports Slack; the Slack front door feeds these (bot/slack/observe.py) and runs
doctor's Slack checks (bot/slack/doctor.py).
"""
