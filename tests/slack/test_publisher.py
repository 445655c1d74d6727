"""The daily runner (the quiz scheduler that posts to Slack) with fake Slack clients."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from bot.answer.matcher import Matcher
from bot.clock import FakeClock
from bot.commands.core import Core
from bot.config import Settings
from bot.quiz.daily import DailyQuizzes
from bot.slack.publisher import DailyPublisher
from bot.store import Store

# --- the runner's live count, with a slow fake Slack client ------------------------------------


class SlowClient:
    """Records chat.update calls and when each arrived; each takes a little while, like the real
    network."""

    def __init__(self) -> None:
        self.updates: list[dict] = []
        self.update_times: list[float] = []
        self.posts: list[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()

    def chat_postMessage(self, **kwargs):  # noqa: N802 - slack_sdk's name
        self.posts.append(kwargs)
        return {"ok": True, "ts": f"1.{len(self.posts)}"}

    def chat_update(self, **kwargs):
        self.update_times.append(time.monotonic())
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        time.sleep(0.01)
        with self.lock:
            self.in_flight -= 1
            self.updates.append(kwargs)
        return {"ok": True}


def live_count_runner(make_kb, tmp_path, spacing: float) -> tuple[DailyPublisher, SlowClient]:
    """A publisher over a fresh store and a slow fake client, its live counts spaced so."""
    kb = make_kb()
    store = Store(tmp_path / "ofin.db", clock=FakeClock(datetime(2026, 3, 2, 9, tzinfo=UTC)))
    core = Core(kb=kb, matcher=Matcher(kb), store=store, settings=Settings(db_path=store.path))
    client = SlowClient()
    runner = DailyPublisher(client, core, interval=60, update_spacing=spacing)  # type: ignore[arg-type]
    return runner, client


def test_live_count_updates_are_serialised_and_the_last_shows_the_final_count(make_kb, tmp_path):
    runner, client = live_count_runner(make_kb, tmp_path, spacing=0)
    store = runner.core.store
    daily: DailyQuizzes = runner.daily
    post = daily.claim_now("C1")
    assert runner.publish(post)
    assert client.posts[0]["channel"] == "C1"

    def answer(i: int) -> None:
        daily.answer(post.id, f"U{i}", 0)
        runner.refresh(post.id)

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(answer, range(40)))
    assert client.max_in_flight == 1  # one update of a post at a time
    assert 1 <= len(client.updates) < 40  # coalesced
    assert "40 people answered so far" in json.dumps(client.updates[-1]["blocks"])

    # Closing reveals; later refreshes never overwrite the revealed post.
    assert daily.close(post.id)
    runner.reveal(store.posts.post(post.id))
    revealed = len(client.updates)
    assert "the answer" in json.dumps(client.updates[-1]["blocks"])
    runner.refresh(post.id)
    assert len(client.updates) == revealed
    assert store.posts.post(post.id).revealed
    store.close()


def test_a_steady_stream_of_clicks_updates_a_post_at_most_once_per_spacing(make_kb, tmp_path):
    runner, client = live_count_runner(make_kb, tmp_path, spacing=0.25)
    post = runner.daily.claim_now("C1")
    assert runner.publish(post)

    def timed_answer(i: int) -> float:
        time.sleep(0.02 * i)  # 30 clicks over 0.6 s, each refreshing from its own thread
        runner.daily.answer(post.id, f"U{i}", 0)
        began = time.monotonic()
        runner.refresh(post.id)
        return time.monotonic() - began

    started = time.monotonic()
    with ThreadPoolExecutor(30) as pool:
        slowest = max(pool.map(timed_answer, range(30)))
    assert slowest < 0.2  # no click waits out the spacing: a timer sends the spaced update
    deadline = time.monotonic() + 5
    while "30 people" not in json.dumps(client.updates[-1]["blocks"]):
        assert time.monotonic() < deadline, "the last count never showed"
        time.sleep(0.05)
    gaps = [b - a for a, b in zip(client.update_times, client.update_times[1:], strict=False)]
    assert gaps and min(gaps) >= 0.24  # never two updates of the post within the spacing
    assert len(client.updates) <= (time.monotonic() - started) / 0.25 + 2
    assert "30 people answered so far" in json.dumps(client.updates[-1]["blocks"])  # none lost
    runner.core.store.close()


def test_tick_posts_due_quizzes_and_reveals_past_deadline(make_kb, tmp_path):
    kb = make_kb()
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    store = Store(tmp_path / "ofin.db", clock=clock)
    settings = Settings(db_path=store.path, daily_reveal_hours=2)
    core = Core(kb=kb, matcher=Matcher(kb), store=store, settings=settings)
    client = SlowClient()
    runner = DailyPublisher(client, core, interval=60)  # type: ignore[arg-type]
    runner.daily.turn_on("C1", "09:00 UTC", default_tz=None, user_id=None)
    runner.tick()
    assert client.posts == []
    clock.set(datetime(2026, 3, 2, 9, 0, 1, tzinfo=UTC))
    runner.tick()
    runner.tick()
    assert len(client.posts) == 1
    clock.set(datetime(2026, 3, 2, 11, 0, 2, tzinfo=UTC))  # past the 2-hour reveal
    runner.tick()
    assert "the answer" in json.dumps(client.updates[-1]["blocks"])
    assert store.posts.open_posts("C1") == []
    store.close()


class FailingClient(SlowClient):
    """chat.update fails with a given Slack error."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error

    def chat_update(self, **kwargs):
        from slack_sdk.errors import SlackApiError

        self.updates.append(kwargs)
        raise SlackApiError("failed", {"ok": False, "error": self.error})


@pytest.mark.parametrize(
    ("error", "given_up"), [("message_not_found", True), ("fatal_error", False)]
)
def test_reveal_retries_unless_the_message_is_gone(make_kb, tmp_path, error, given_up):
    kb = make_kb()
    store = Store(tmp_path / "ofin.db", clock=FakeClock())
    core = Core(kb=kb, matcher=Matcher(kb), store=store, settings=Settings(db_path=store.path))
    runner = DailyPublisher(FailingClient(error), core, interval=60)  # type: ignore[arg-type]
    post = runner.daily.claim_now("C1")
    assert runner.publish(post)
    assert runner.daily.close(post.id)
    runner.reveal(store.posts.post(post.id))
    assert store.posts.post(post.id).revealed is given_up
    assert [p.id for p in store.posts.posts_to_reveal()] == ([] if given_up else [post.id])
    store.close()
