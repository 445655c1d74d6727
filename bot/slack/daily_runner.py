"""The daily quiz scheduler: a background thread that posts due quizzes and reveals closed ones.

Every OFIN_SCHEDULER_SECONDS it (1) closes open posts past their deadline and reveals them,
(2) retries reveals that a crash interrupted, (3) claims and posts the quizzes now due (catch-up
included). Claims live in SQLite, so restarts and several processes never post a day twice.

It is also the ``Publisher`` behind ``/ofin daily now|reveal`` (``core.extras["daily_publisher"]``)
and keeps each post's "N people answered so far" line current: updates of one post are
serialised and coalesced, and the count is read inside the lock, so the last update shows the
final count.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands import Core
from bot.daily import DailyQuizzes
from bot.quiz_commands import daily_of
from bot.slack import quiz_blocks
from bot.store import QuizPost

logger = logging.getLogger(__name__)

#: Slack errors after which retrying a reveal is pointless (the message or channel is gone).
GIVE_UP = frozenset(
    {
        "message_not_found",
        "channel_not_found",
        "cant_update_message",
        "is_archived",
        "not_in_channel",
    }
)


@dataclass
class _PostState:
    """Per-post bookkeeping for serialised, coalesced live updates."""

    lock: threading.Lock = field(default_factory=threading.Lock)  # one Slack update at a time
    guard: threading.Lock = field(default_factory=threading.Lock)  # protects the flags below
    pending: bool = False
    running: bool = False
    shown: int = -1


class DailyRunner:
    """Posts, updates and reveals daily quizzes in Slack; runs the schedule in a thread."""

    def __init__(self, client: WebClient, core: Core, interval: float | None = None) -> None:
        self.client = client
        self.core = core
        self.daily: DailyQuizzes = daily_of(core)
        self.interval = interval if interval is not None else core.settings.scheduler_seconds
        self._states: dict[int, _PostState] = {}
        self._states_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the loop ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ofin-daily", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Ask the thread to stop after its current tick."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                logger.exception("daily scheduler tick failed")
            self._stop.wait(self.interval)

    def tick(self) -> None:
        """One pass: close and reveal what is past its deadline, then post what is due."""
        for post in self.daily.due_to_close():
            if self.daily.close(post.id):
                self.reveal(post)
        for post in self.daily.store.posts_to_reveal():
            self.reveal(post)
        for post in self.daily.claim_due():
            self.publish(post)

    # --- Publisher --------------------------------------------------------------------------

    def publish(self, post: QuizPost) -> bool:
        """Post a claimed quiz (closing the channel's previous one first); True when open."""
        for old in self.daily.close_open(post.channel_id, keep=post.id):
            self.reveal(old)
        question = self.daily.question(post.question_id)
        if question is None:
            self.daily.store.mark_failed(post.id)
            return False
        message = quiz_blocks.daily_post(post.id, question, 0, self.daily.deadline_for(post))
        try:
            response = self.client.chat_postMessage(
                channel=post.channel_id, unfurl_links=False, **message
            )
        except SlackApiError as exc:
            logger.warning(
                "could not post the daily quiz in %s: %s",
                post.channel_id,
                exc.response.get("error"),
            )
            self.daily.store.mark_failed(post.id)
            return False
        opened = self.daily.opened(post, str(response["ts"]))
        logger.info("posted daily quiz %s in %s", opened.id, opened.channel_id)
        if self.daily.store.answer_count(post.id):  # clicks that beat us to recording the ts
            self.refresh(post.id)
        return True

    def reveal(self, post: QuizPost) -> None:
        """Show the answer on a closed post (safe to repeat: chat.update is idempotent)."""
        state = self._state(post.id)
        with state.lock:
            current = self.daily.store.post(post.id)
            if current is None or not current.message_ts or current.status != "closed":
                return
            reveal = self.daily.reveal_of(current)
            message = quiz_blocks.daily_reveal(
                reveal.question,
                reveal.answered,
                reveal.share_right,
                reveal.first_correct,
                reveal.sources,
            )
            try:
                self.client.chat_update(
                    channel=current.channel_id, ts=current.message_ts, **message
                )
            except SlackApiError as exc:
                error = exc.response.get("error")
                logger.warning("could not reveal quiz %s: %s", post.id, error)
                if error not in GIVE_UP:
                    return  # a later tick tries again
            self.daily.store.mark_revealed(post.id)
        with self._states_lock:
            self._states.pop(post.id, None)

    # --- live count -------------------------------------------------------------------------

    def _state(self, post_id: int) -> _PostState:
        with self._states_lock:
            return self._states.setdefault(post_id, _PostState())

    def refresh(self, post_id: int) -> None:
        """Bring the post's 'N answered so far' line up to date (coalescing concurrent calls)."""
        state = self._state(post_id)
        with state.guard:
            state.pending = True
            if state.running:
                return  # the running updater will pick the new count up
            state.running = True
        try:
            while True:
                with state.guard:
                    if not state.pending:
                        state.running = False
                        return
                    state.pending = False
                self._update_count(post_id, state)
        except BaseException:
            with state.guard:
                state.running = False
            raise

    def _update_count(self, post_id: int, state: _PostState) -> None:
        with state.lock:
            post = self.daily.store.post(post_id)
            if post is None or post.status != "open" or not post.message_ts:
                return
            count = self.daily.store.answer_count(post_id)  # read inside the lock
            if count == state.shown:
                return
            question = self.daily.question(post.question_id)
            if question is None:
                return
            message = quiz_blocks.daily_post(post.id, question, count, post.deadline_at)
            try:
                self.client.chat_update(channel=post.channel_id, ts=post.message_ts, **message)
            except SlackApiError as exc:
                logger.warning("could not update quiz %s: %s", post_id, exc.response.get("error"))
                return
            state.shown = count
