"""Completion campaigns on real SQLite: who is behind, weekly reminders once, opt-outs forever."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from bot.commands.core import Caller
from bot.commands.dispatch import dispatch
from bot.store import Store
from bot.training.campaign import CampaignError, Campaigns, expected_by, parse_set, reminder_text
from bot.training.periods import parse_period
from tests.report_seed import CHANNELS, PEOPLE, channel_of, seed

NOW = datetime(2027, 1, 6, 18, tzinfo=UTC)


@pytest.fixture
def seeded(tmp_path):
    store, core, truth = seed(tmp_path / "ofin.db")
    yield store, core, truth
    store.close()


def test_parse_set():
    assert parse_set("set 10 per quarter") == (10, "quarter")
    assert parse_set("set 4 per month") == (4, "month")
    assert parse_set("set 12") == (12, "quarter")
    for bad in ("set ten", "set 0 per month", "set 5 per fortnight"):
        with pytest.raises(CampaignError):
            parse_set(bad)


def test_expected_is_pro_rated():
    period = parse_period("2026-Q4", NOW)
    assert expected_by(10, period, period.start) == 0
    assert expected_by(10, period, period.end) == 10
    mid = period.start + (period.end - period.start) / 2
    assert expected_by(10, period, mid) == 5


def test_progress_matches_independent_counts(seeded):
    store, core, truth = seeded
    channel = CHANNELS[0]
    campaigns = Campaigns(store, core.kb)
    campaign = campaigns.set(channel, "set 10 per month", user_id="UADMIN")
    members = [u for u in PEOPLE if channel_of(u) == channel] + ["UNEW"]
    progress = campaigns.progress(campaign, members, NOW)
    start = datetime(2027, 1, 1, tzinfo=UTC)
    counted = {u: 0 for u in members}
    for user, where, _, _, kind, when in truth.answers:
        if user in counted and start <= when < NOW and (kind == "practice" or where == channel):
            counted[user] += 1
    assert progress.answered == counted
    expected = math.floor(10 * (NOW - start) / timedelta(days=31))
    assert progress.expected_now == expected
    assert set(progress.behind) == {u for u, n in counted.items() if n < expected}
    assert "UNEW" in progress.behind


def test_reminders_once_a_week_opt_out_forever_and_forgotten_people_left_out(seeded, tmp_path):
    store, core, truth = seeded
    channel = CHANNELS[0]
    members = [u for u in PEOPLE if channel_of(u) == channel] + ["UNEW", "UQUIET", "UGONE"]
    campaigns = Campaigns(store, core.kb)
    campaign = campaigns.set(channel, "set 40 per month", user_id="UADMIN")
    campaigns.opt_out("UQUIET")
    store.people.forget_user("UQUIET")  # forgetting does not undo "remind off"
    store.people.forget_user("UGONE")
    due = campaigns.reminders_due(campaign, members, NOW, limit=100)
    users = [u for u, _, _ in due]
    assert "UNEW" in users and "UQUIET" not in users and "UGONE" not in users
    assert len(users) == len(set(users)) > 5
    # Another process, same week: nobody again.
    other = Campaigns(Store(store.path, clock=store.clock), core.kb)
    assert other.reminders_due(campaign, members, NOW + timedelta(days=3), limit=100) == []
    # A second campaign the same week does not remind the same people twice.
    second = campaigns.set(CHANNELS[1], "set 40 per month", user_id="UADMIN")
    assert "UNEW" not in [u for u, _, _ in campaigns.reminders_due(second, ["UNEW"], NOW, 10)]
    # Next week: reminded again (still behind), still not the quiet one.
    later = campaigns.reminders_due(campaign, members, NOW + timedelta(days=7), limit=100)
    assert "UNEW" in [u for u, _, _ in later] and "UQUIET" not in [u for u, _, _ in later]
    text = reminder_text(channel, campaign, 0, due[0][2], NOW)
    assert "/ofin remind off" in text and "40 answers per month" in text


def test_commands(seeded):
    store, core, truth = seeded
    admin = Caller("UADMIN", channel_id=CHANNELS[2], is_admin=True)
    member = Caller("U005", channel_id=CHANNELS[2], is_admin=False)
    assert dispatch(core, member, "campaign set 5 per month").kind == "refusal"
    assert (
        "Campaign on: 5 answers per month" in dispatch(core, admin, "campaign set 5 per month").text
    )
    status = dispatch(core, admin, "campaign status")
    assert "By now each member should have" in status.to_text()
    assert "no more campaign reminders" in dispatch(core, member, "remind off").text
    assert "U005" in Campaigns(store, core.kb).opted_out()
    assert "on again" in dispatch(core, member, "remind on").text
    assert "Campaign off" in dispatch(core, admin, "campaign off").text
