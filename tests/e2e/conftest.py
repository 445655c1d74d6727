"""Fixtures for end-to-end tests: real HTTP on loopback, the bot as a subprocess.

- ``fake_slack`` (session): the Web API / response_url stand-in (tests/e2e/harness/fake_slack.py).
- ``slack`` (per test): the same stand-in with its recordings cleared.
- ``ofin_factory`` (session): ``ofin_factory(**env)`` starts a fresh bot process with its own
  working folder and database, pointed at the stand-in; stopped at the end of the session.
  Use it for restarts or special settings (e.g. a test clock).
- ``ofin`` (session): one shared bot; ``OFIN_ADMINS=UADMIN``. Use unique ids per test.
- ``sender`` (per test): signs and sends slash commands, events and clicks to ``ofin``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.e2e.harness import SIGNING_SECRET, FakeSlack, OfinProcess, SlackSender

ADMIN = "UADMIN"


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def ofin_factory(
    fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., OfinProcess]]:
    started: list[OfinProcess] = []

    def make(**env: str) -> OfinProcess:
        cwd = tmp_path_factory.mktemp("ofin")
        settings = {
            "SLACK_API_URL": fake_slack.api_url,
            "OFIN_DB": str(cwd / "data" / "ofin.db"),
            "OFIN_ADMINS": ADMIN,
            "OFIN_LOG_LEVEL": "INFO",
            **env,
        }
        bot = OfinProcess(settings, cwd)
        started.append(bot)
        return bot.start()

    yield make
    for bot in started:
        bot.stop()


@pytest.fixture(scope="session")
def ofin(ofin_factory: Callable[..., OfinProcess]) -> OfinProcess:
    return ofin_factory()


@pytest.fixture
def slack(fake_slack: FakeSlack) -> FakeSlack:
    fake_slack.settle(quiet=0.2)  # let a previous test's late calls land before clearing
    fake_slack.reset()
    return fake_slack


@pytest.fixture
def sender(ofin: OfinProcess) -> SlackSender:
    return SlackSender(ofin.events_url, SIGNING_SECRET)
