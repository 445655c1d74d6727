"""Operating ofin: ``doctor``'s checks, and what the probes and logs need to know.

Nothing here imports Slack; the Slack checks are in bot/slack/doctor.py.
"""
