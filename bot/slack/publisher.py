"""The daily quiz in Slack: the thread that runs the schedule, and the posting it decides.

Every OFIN_SCHEDULER_SECONDS it runs one pass of ``DailyQuizzes.run_pass`` (bot/quiz/daily.py,
which decides what is due) with this class as its ``Publisher``: a post left ``posting`` is first
looked up in the channel, so Slack never shows it twice. Claims live in SQLite, so restarts never
post a day twice.

Posting survives Slack's bad moments: HTTP 5xx, timeouts and 429 (after Retry-After) are retried
with exponential backoff until the post's window ends (``DailyQuizzes.retry_until``); an error
that retrying cannot fix (``not_in_channel``…) fails at once. A post that finally fails tells the
admin who asked for it (or who set the schedule) Slack's own reason, in a direct message.

It is also the ``Publisher`` behind ``/ofin daily now|reveal`` (``core.publisher``)
and keeps each post's "N people answered so far" line current: updates of one post are
serialised and coalesced, and the count is read inside the lock, so the last update shows the
final count.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands.core import Core
from bot.quiz.daily import DailyQuizzes, PublishOutcome
from bot.slack.blocks import quiz as quiz_blocks
from bot.slack.ticker import Ticker
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

#: Slack errors worth retrying as they are (besides any HTTP 5xx and 429).
TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
BACKOFF_BASE = 1.0  # seconds before the first retry; doubles each time
BACKOFF_CAP = 300.0  # never wait longer than this between two attempts
NOW_INLINE_SECONDS = 20.0  # ``daily now`` retries this long before the admin hears back
HISTORY_LIMIT = 100  # recent messages searched for a post whose outcome is unknown
# Live counts: at most one chat.update of a post per this many seconds. Slack allows about one
# message write per second in a channel (chat.update is Tier 3, about 50 a minute), so a burst of
# clicks shows as one fresh count a second instead of a queue of updates Slack answers with 429.
LIVE_UPDATE_SPACING = 1.0


@dataclass
class _PostState:
    """Per-post bookkeeping for serialised, coalesced live updates."""

    lock: threading.Lock = field(default_factory=threading.Lock)  # one Slack update at a time
    guard: threading.Lock = field(default_factory=threading.Lock)  # protects the flags below
    pending: bool = False
    running: bool = False
    scheduled: bool = False  # a timer will send the next update when the spacing is over
    shown: int = -1
    last_update: float = float("-inf")  # time.monotonic() of the last chat.update sent


class DailyPublisher(Ticker):
    """Posts, updates and reveals daily quizzes in Slack; runs the schedule's passes in a thread."""

    thread_name = "ofin-daily"

    def __init__(
        self,
        client: WebClient,
        core: Core,
        interval: float | None = None,
        update_spacing: float = LIVE_UPDATE_SPACING,
    ) -> None:
        self.client = client
        self.core = core
        self.daily: DailyQuizzes = core.daily
        self.interval = interval if interval is not None else core.settings.scheduler_seconds
        self.update_spacing = update_spacing
        self._states: dict[int, _PostState] = {}
        self._states_lock = threading.Lock()
        super().__init__(leads=core.store.leads_schedules)
        self._flight_lock = threading.Lock()
        self._in_flight: set[int] = set()  # posts being attempted right now, by some thread
        self._retry_at: dict[int, float] = {}  # post id -> monotonic time of its next attempt
        self._attempts: dict[int, int] = {}
        self._unsure: dict[int, bool] = {}  # True when Slack may have the post already

    # --- the loop ---------------------------------------------------------------------------

    def tick(self) -> None:
        """One pass of the schedule (bot/quiz/daily.py decides; this class does the talking)."""
        self.daily.run_pass(self)

    def resume(self, post: QuizPost) -> None:
        """Try a ``posting`` post again once its retry is due (or now, when it is not ours)."""
        if self._retry_at.get(post.id, 0.0) <= time.monotonic():
            self._unsure.setdefault(post.id, True)  # not ours: a crash or another process
            self.publish(post, inline_seconds=0, tell_admin=True)

    def publish_scheduled(self, post: QuizPost) -> None:
        """Post a quiz the schedule claimed; the admin hears of a final failure."""
        self.publish(post, inline_seconds=0, tell_admin=True)

    # --- Publisher --------------------------------------------------------------------------

    def publish(
        self,
        post: QuizPost,
        inline_seconds: float = NOW_INLINE_SECONDS,
        *,
        tell_admin: bool = False,
    ) -> PublishOutcome:
        """Post a claimed quiz (revealing the channel's previous one first).

        Transient failures are retried here for up to ``inline_seconds``, then by the scheduler
        until the post's window ends; the outcome says which, with Slack's reason. The caller
        tells whoever waits for it; ``tell_admin`` sends them a message about a final failure.
        """
        with self._flight_lock:
            if post.id in self._in_flight:
                return PublishOutcome("retrying", "already being posted", None)
            self._in_flight.add(post.id)
        try:
            for old in self.daily.close_open(post.channel_id, keep=post.id):
                self.reveal(old)
            give_up_at = time.monotonic() + inline_seconds
            while True:
                outcome, wait = self._attempt(post)
                if outcome.status == "failed" and tell_admin:
                    self._tell_admin(post, outcome.reason or "unknown")
                if outcome.status != "retrying" or self._stop.is_set():
                    return outcome
                self._retry_at[post.id] = time.monotonic() + wait
                if time.monotonic() + wait > give_up_at:
                    return outcome
                self._stop.wait(wait)
        finally:
            with self._flight_lock:
                self._in_flight.discard(post.id)

    def _attempt(self, post: QuizPost) -> tuple[PublishOutcome, float]:
        """One try at getting the post into Slack: (the outcome, seconds until the next try)."""
        current = self.daily.store.posts.post(post.id)
        if current is None or current.status != "posting":
            return self._settled(post.id, current), 0.0
        until = self.daily.retry_until(current)
        question = self.daily.question(current.question_id)
        if question is None:
            return self._fail(current, "the question left the knowledge base"), 0.0
        if self._unsure.get(post.id):
            found, known = self._find_in_channel(current)
            if found:
                return self._open(current, found), 0.0
            if not known:  # cannot tell: posting again might show it twice, so wait
                return self._later(current, "conversations.history failed", until, None)
        message = quiz_blocks.daily_post(current.id, question, 0, self.daily.deadline_for(current))
        try:
            response = self.client.chat_postMessage(
                channel=current.channel_id, unfurl_links=False, **message
            )
        except SlackApiError as exc:
            status = exc.response.status_code
            error = exc.response.get("error") or f"HTTP {status}"
            if status == 429 or status >= 500 or error in TRANSIENT:
                self._unsure[post.id] = status >= 500  # a 5xx may come after Slack posted it
                retry_after = exc.response.headers.get("Retry-After") if status == 429 else None
                return self._later(current, f"{error} (HTTP {status})", until, retry_after)
            return self._fail(current, error), 0.0
        except OSError as exc:  # a timeout or a dropped connection: Slack may have posted it
            self._unsure[post.id] = True
            return self._later(current, f"no answer from Slack ({exc})", until, None)
        return self._open(current, str(response["ts"])), 0.0

    def _open(self, post: QuizPost, message_ts: str) -> PublishOutcome:
        """Store the ts Slack gave (the post is open), reveal any quiz it replaced."""
        self._forget(post.id)
        opened = self.daily.opened(post, message_ts)
        logger.info("posted daily quiz %s in %s", opened.id, opened.channel_id)
        for old in self.daily.store.posts.posts_to_reveal():
            if old.channel_id == post.channel_id:
                self.reveal(old)
        if self.daily.store.posts.answer_count(post.id):  # clicks that beat us to recording the ts
            self.refresh(post.id)
        return PublishOutcome("open")

    def _later(
        self, post: QuizPost, reason: str, until: datetime, retry_after: str | None
    ) -> tuple[PublishOutcome, float]:
        attempts = self._attempts.get(post.id, 0) + 1
        self._attempts[post.id] = attempts
        backoff = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempts - 1))
        wait = backoff * random.uniform(0.8, 1.2)
        if retry_after is not None and retry_after.isdigit():
            wait = max(float(retry_after), 0.5)
        if self.daily.now() + timedelta(seconds=wait) >= until:
            return self._fail(post, reason), 0.0
        logger.warning(
            "daily quiz %s not posted yet (%s); retrying in %.1fs", post.id, reason, wait
        )
        self.daily.store.posts.note_error(post.id, reason)
        return PublishOutcome("retrying", reason, until), wait

    def _fail(self, post: QuizPost, reason: str) -> PublishOutcome:
        self._forget(post.id)
        self.daily.store.posts.mark_failed(post.id, reason)
        logger.warning("gave up posting daily quiz %s in %s: %s", post.id, post.channel_id, reason)
        return PublishOutcome("failed", reason)

    def _settled(self, post_id: int, post: QuizPost | None) -> PublishOutcome:
        self._forget(post_id)
        if post is not None and post.status in ("open", "closed"):
            return PublishOutcome("open")
        return PublishOutcome("failed", post.error if post else "the post is gone")

    def _forget(self, post_id: int) -> None:
        for table in (self._retry_at, self._attempts, self._unsure):
            table.pop(post_id, None)

    def _find_in_channel(self, post: QuizPost) -> tuple[str | None, bool]:
        """(the ts of this post in its channel or None, whether the lookup worked)."""
        block_id = f"{quiz_blocks.DAILY_PREFIX}{post.id}"
        try:
            response = self.client.conversations_history(
                channel=post.channel_id, limit=HISTORY_LIMIT
            )
        except SlackApiError as exc:
            error = exc.response.get("error")
            logger.warning("could not look for quiz %s in the channel: %s", post.id, error)
            transient = exc.response.status_code in (429,) or exc.response.status_code >= 500
            return None, not transient
        except OSError as exc:
            logger.warning("could not look for quiz %s in the channel: %s", post.id, exc)
            return None, False
        for message in response.get("messages") or []:
            if any(b.get("block_id") == block_id for b in message.get("blocks") or []):
                return str(message["ts"]), True
        return None, True

    def _tell_admin(self, post: QuizPost, reason: str) -> None:
        """A direct message to whoever asked for the post: that it failed, and Slack's reason."""
        schedule = self.daily.store.schedules.get(post.channel_id)
        admin = post.requested_by or (schedule.updated_by if schedule else None)
        if not admin:
            return
        text = f"I could not post the daily quiz in <#{post.channel_id}>: Slack said `{reason}`."
        try:
            self.client.chat_postMessage(channel=admin, text=text)
        except (SlackApiError, OSError) as exc:
            logger.warning("could not tell %s that quiz %s failed: %s", admin, post.id, exc)

    def reveal(self, post: QuizPost) -> None:
        """Show the answer on a closed post (safe to repeat: chat.update is idempotent)."""
        state = self._state(post.id)
        with state.lock:
            current = self.daily.store.posts.post(post.id)
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
            except OSError as exc:
                logger.warning("could not reveal quiz %s: %s", post.id, exc)
                return  # a timeout: a later tick tries again
            self.daily.store.posts.mark_revealed(post.id)
        with self._states_lock:
            self._states.pop(post.id, None)

    # --- live count -------------------------------------------------------------------------

    def _state(self, post_id: int) -> _PostState:
        with self._states_lock:
            return self._states.setdefault(post_id, _PostState())

    def refresh(self, post_id: int) -> None:
        """Bring the post's 'N answered so far' line up to date: concurrent calls coalesce, and
        one post is updated at most once per ``update_spacing`` seconds. A call inside the spacing
        never waits: a timer sends the next update when the spacing is over, reading the count as
        it is then, so the last click always shows and no caller (a click's follow-up, the
        scheduler's pass) is held up."""
        state = self._state(post_id)
        with state.guard:
            state.pending = True
            if state.running or state.scheduled:
                return  # the running updater, or the timer, will pick the new count up
            state.running = True
        self._drain(post_id, state)

    def _drain(self, post_id: int, state: _PostState) -> None:
        """Send updates while clicks come, one per spacing; inside it, leave the next to a timer."""
        try:
            while True:
                with state.guard:
                    if not state.pending:
                        state.running = False
                        return
                    wait = state.last_update + self.update_spacing - time.monotonic()
                    if wait > 0:
                        state.running = False
                        state.scheduled = True
                        timer = threading.Timer(wait, self._when_spaced, args=(post_id,))
                        timer.daemon = True
                        timer.start()
                        return
                    state.pending = False  # the count read next includes every click so far
                self._update_count(post_id, state)
        except BaseException:
            with state.guard:
                state.running = False
            raise

    def _when_spaced(self, post_id: int) -> None:
        state = self._state(post_id)
        with state.guard:
            state.scheduled = False
            if state.running:
                return
            state.running = True
        try:
            self._drain(post_id, state)
        except Exception:  # a timer thread has no caller to tell; the next tick tries again
            logger.exception("could not update the live count of quiz %s", post_id)

    def _update_count(self, post_id: int, state: _PostState) -> None:
        with state.lock:
            post = self.daily.store.posts.post(post_id)
            if post is None or post.status != "open" or not post.message_ts:
                return
            count = self.daily.store.posts.answer_count(post_id)  # read inside the lock
            if count == state.shown:
                return
            question = self.daily.question(post.question_id)
            if question is None:
                return
            message = quiz_blocks.daily_post(post.id, question, count, post.deadline_at)
            state.last_update = time.monotonic()
            try:
                self.client.chat_update(channel=post.channel_id, ts=post.message_ts, **message)
            except SlackApiError as exc:
                error = exc.response.get("error")
                logger.warning("could not update quiz %s: %s", post_id, error)
                if error in GIVE_UP:  # the message is gone: the next ticks need not try again
                    state.shown = count
                return
            except OSError as exc:  # a timeout: the next tick tries again
                logger.warning("could not update quiz %s: %s", post_id, exc)
                return
            state.shown = count
