"""End-to-end harness: a Slack Web API stand-in, a signed-request sender, the bot as a process.

See each module's docstring; tests/e2e/conftest.py wires them into pytest fixtures.
"""

from tests.e2e.harness import hostile
from tests.e2e.harness.bot_process import BOT_TOKEN, SIGNING_SECRET, OfinProcess
from tests.e2e.harness.db import db_rows
from tests.e2e.harness.fake_slack import BOT_ID, BOT_USER_ID, TEAM_ID, Call, FakeSlack
from tests.e2e.harness.slack_requests import SlackSender, signature, signed_headers

__all__ = [
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "SIGNING_SECRET",
    "TEAM_ID",
    "db_rows",
    "hostile",
    "Call",
    "FakeSlack",
    "OfinProcess",
    "SlackSender",
    "signature",
    "signed_headers",
]
