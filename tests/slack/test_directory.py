"""Names from Slack into the store's cache, against the Web API stand-in and a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient

from bot.clock import FakeClock
from bot.slack.directory import FEW, refresh_names
from bot.store import Store
from bot.training.names import EMAIL_SCOPE, names_for
from tests.e2e.harness import FakeSlack
from tests.e2e.harness.fake_slack import manifest_scopes


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack().start()
    yield slack
    slack.stop()


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    s = Store(tmp_path / "ofin.db", clock=FakeClock(datetime(2027, 1, 6, tzinfo=UTC)))
    yield s
    s.close()


def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url)


def test_a_few_people_are_read_one_by_one_with_their_emails(fake, store):
    fake.set_user("U1", name="Ada Lovelace", email="ada@example.com")
    fake.set_user("U2", name="Grace Hopper", email="grace@example.com")
    assert refresh_names(client(fake), store, ["U1", "U2"]) == 2
    assert [c.body["user"] for c in fake.calls("users.info")] == ["U1", "U2"]
    names = names_for(store, ["U1", "U2"])
    assert names.name("U1") == "Ada Lovelace" and names.email("U2") == "grace@example.com"
    assert "Emails as Slack shows them" in names.note()


def test_many_people_are_read_a_page_at_a_time_and_cached_for_a_day(fake, store):
    people = [f"U{n:03d}" for n in range(FEW + 300)]
    for user in people:
        fake.set_user(user, name=f"Name {user}")
    assert refresh_names(client(fake), store, people) == len(people)
    assert len(fake.calls("users.list")) == 2 and not fake.calls("users.info")
    fake.reset()
    assert refresh_names(client(fake), store, people) == 0  # fresh: no call at all
    assert fake.calls() == []
    store.clock.advance(timedelta(days=2))
    refresh_names(client(fake), store, people)
    assert len(fake.calls("users.list")) == 2  # a day later they are read again


def test_without_the_email_scope_the_report_says_why_emails_are_missing(fake, store):
    fake.set_scopes([s for s in manifest_scopes() if s != EMAIL_SCOPE])
    fake.set_user("U1", name="Ada Lovelace", email="ada@example.com")
    refresh_names(client(fake), store, ["U1"])
    names = names_for(store, ["U1", "U2"])
    assert names.name("U1") == "Ada Lovelace" and names.email("U1") == ""
    assert f"lacks the {EMAIL_SCOPE} scope" in names.note()
    assert "(1 of 2)" in names.note()


def test_a_rate_limit_is_waited_out_and_a_failure_keeps_the_cache(fake, store):
    fake.set_user("U1", name="Ada Lovelace")
    waits: list[float] = []
    # This client has no retry handler of its own, so the wait is refresh_names' own.
    fake.rate_limit_next("users.info", retry_after=2)
    assert refresh_names(client(fake), store, ["U1"], sleep=waits.append) == 1
    assert waits == [2.0]
    store.clock.advance(timedelta(days=2))
    fake.fail_next("users.info", status=500, error="fatal_error")
    assert refresh_names(client(fake), store, ["U1"], sleep=waits.append) == 0
    assert names_for(store, ["U1"]).name("U1") == "Ada Lovelace"  # the old name stays


def test_a_report_with_no_names_yet_says_so():
    from bot.training.names import Names

    assert "not known yet" in Names(asked=3).note()
