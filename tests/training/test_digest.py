"""Weak spots and the weekly digest on real SQLite, with the quarter of synthetic answers."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.quiz.insight import weak_spots
from bot.quiz.schedule import ScheduleError
from bot.store import Store
from bot.training.digest import Digests, build_digest, parse_digest_rule
from tests.report_seed import CHANNELS, seed

NOW = datetime(2026, 12, 18, 17, tzinfo=UTC)  # a Friday


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    store, core, truth = seed(tmp_path_factory.mktemp("digest") / "ofin.db")
    yield store, core, truth
    store.close()


def window(truth, channel, start, end):
    out = defaultdict(lambda: [0, 0])
    for _, where, category, right, kind, when in truth.answers:
        if kind == "daily" and where == channel and start <= when < end:
            out[category][0] += 1
            out[category][1] += right
    return out


def test_weak_spots_match_independent_counts(seeded):
    store, core, truth = seeded
    channel = CHANNELS[0]
    spots = weak_spots(store, core.kb, channel, NOW)
    short = window(truth, channel, NOW - timedelta(weeks=4), NOW)
    long = window(truth, channel, NOW - timedelta(weeks=12), NOW)
    assert {c.category for c in spots.categories} == set(long)
    for c in spots.categories:
        assert (c.answered_4w, c.correct_4w) == tuple(short.get(c.category, (0, 0)))
        assert (c.answered_12w, c.correct_12w) == tuple(long[c.category])
        before_n = c.answered_12w - c.answered_4w
        if c.answered_4w and before_n:
            delta = (
                100 * c.correct_4w / c.answered_4w - 100 * (c.correct_12w - c.correct_4w) / before_n
            )
            assert c.trend == ("up" if delta >= 5 else "down" if delta <= -5 else "steady")
    answered = [c.accuracy_4w for c in spots.categories if c.accuracy_4w is not None]
    assert answered == sorted(answered)  # weakest first
    assert spots.weakest is not None and spots.weakest.accuracy_4w == answered[0]
    # The three most missed items: count misses per item from the truth's posts.
    misses = defaultdict(int)
    posts = {pid: core.store.posts.post(pid) for pid in truth.posts[channel]}
    for (pid, _), right in truth.post_answers.items():
        post = posts.get(pid)
        start = NOW - timedelta(weeks=12)
        if post and not right and start <= truth.post_days[pid] and truth.post_days[pid] < NOW:
            misses[post.item_id] += 1
    top = sorted(misses.values(), reverse=True)[:3]
    assert [m.missed for m in spots.most_missed] == top
    assert all(m.title for m in spots.most_missed)


def test_digest_figures(seeded):
    store, core, truth = seeded
    channel = CHANNELS[2]
    digest = build_digest(store, core.kb, channel, NOW)
    this = window(truth, channel, NOW - timedelta(days=7), NOW)
    last = window(truth, channel, NOW - timedelta(days=14), NOW - timedelta(days=7))
    assert digest.answered == sum(n for n, _ in this.values())
    assert digest.correct == sum(ok for _, ok in this.values())
    assert digest.last_answered == sum(n for n, _ in last.values())
    per_user = defaultdict(int)
    for user, where, _, right, kind, when in truth.answers:
        if kind == "daily" and where == channel and NOW - timedelta(days=7) <= when < NOW:
            per_user[user] += right
    best = max(per_user.values())
    assert digest.top[0][1] == best and len(digest.top) == 3


@pytest.mark.parametrize(
    ("args", "weekday", "at"),
    [("", 4, "16:00"), ("mon", 0, "16:00"), ("09:30", 4, "09:30"), ("wed 08:00", 2, "08:00")],
)
def test_parse_digest_rule(args, weekday, at):
    rule = parse_digest_rule(args, "Europe/Paris")
    assert rule.weekdays == frozenset({weekday})
    assert f"{rule.at:%H:%M}" == at and rule.tz == "Europe/Paris"


def test_a_digest_is_weekly():
    with pytest.raises(ScheduleError):
        parse_digest_rule("mon-fri", None)


def test_claimed_once_per_week_even_by_a_second_process(tmp_path):
    clock = FakeClock(datetime(2026, 12, 14, 9, tzinfo=UTC))  # Monday
    first = Store(tmp_path / "ofin.db", clock=clock)
    second = Store(tmp_path / "ofin.db", clock=clock)  # another process, same file
    Digests(first).turn_on("C1", "fri 16:00 UTC", default_tz=None, user_id="U1")
    assert Digests(first).claim_due(clock.now()) == []  # not due before Friday 16:00
    clock.set(datetime(2026, 12, 18, 16, 0, tzinfo=UTC))
    claims = Digests(first).claim_due(clock.now()) + Digests(second).claim_due(clock.now())
    assert [c for c, _ in claims] == ["C1"]
    clock.advance(days=2)  # still the same ISO week (Sunday)
    assert Digests(second).claim_due(clock.now()) == []
    clock.advance(days=5)  # next Friday
    assert [c for c, _ in Digests(second).claim_due(clock.now())] == ["C1"]
    # Turned on after this week's time: this week is not back-posted.
    Digests(first).turn_on("C2", "mon 08:00 UTC", default_tz=None, user_id="U1")
    assert Digests(first).claim_due(clock.now()) == []
    first.close()
    second.close()


def test_home_weak_spots_only_for_admins(seeded):
    import dataclasses

    from bot.commands.core import Profile
    from bot.slack.listeners.digest import home_weak_spots

    store, core, truth = seeded
    store.schedules.save(
        channel_id=CHANNELS[1], at="09:00", tz="UTC", weekdays="mon", updated_by="U"
    )
    admin_core = dataclasses.replace(
        core, settings=dataclasses.replace(core.settings, admins=frozenset({"UADM"}))
    )
    admin_core.profile_of = lambda user: Profile(user == "UOWNER")
    assert home_weak_spots(admin_core, "U001") == []
    for admin in ("UADM", "UOWNER"):
        (block,) = home_weak_spots(admin_core, admin)
        assert f"Weak spots in <#{CHANNELS[1]}>" in block["text"]["text"]
        assert "Most missed" in block["text"]["text"]
