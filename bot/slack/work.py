"""Ack first, work later: bounded worker pools for everything that happens after the ack.

Every listener acknowledges from the request thread without touching the database or Slack, and
hands the real work (Web API calls, users.info, database writes that may wait on a lock) to a
pool here. Two pools, so that writes never queue behind slow Web API calls:

- ``slack``: work that talks to Slack (answers, leaderboards, live counts); many threads, because
  they mostly wait on the network, each call bounded by the Web API client's timeout;
- ``writes``: the write a click must make durable before it is acknowledged (see ``write_then``);
  a few threads, since SQLite takes one writer at a time anyway.

Both are bounded: when a queue is full a request is refused with a friendly "busy" reply instead
of piling up without limit. Python cannot stop a running thread, so a job's time limit is the
timeouts of what it waits on (the Web API client's, SQLite's busy timeout); jobs that still run
long are logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TypeVar

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.ops import metrics
from bot.slack.blocks import answers as blocks
from bot.slack.context import CORE_KEY
from bot.slack.observe import record_of
from bot.store import StoreUnavailable
from bot.store.db import background

logger = logging.getLogger(__name__)
T = TypeVar("T")

SLACK_WORKERS = 32
SLACK_QUEUE = 10_000  # a burst of commands waits (replies can come up to 30 min later)
WRITE_WORKERS = 4
WRITE_QUEUE = 5000
ACK_BUDGET = 1.0  # seconds a click waits for its write before it is acknowledged anyway
SLOW_JOB = 10.0  # seconds after which a finished job is logged as slow
BUSY = "I'm very busy right now. Please try again in a minute."
#: The alternative that ``make soak`` measures: write in the request thread, then ack. It holds
#: under load but not while another process holds the write lock (the ack waits up to SQLite's
#: 30 s busy timeout), which is why writes go to their own pool.
INLINE_WRITES = False

ANSWERED_EVENTS = ("app_mention", "message")  # events answered in their channel or DM
WORK_KEY = "ofin_work"  # where the app's middleware puts the Work in Bolt's context
CLAIM_KEY = "ofin_claim"  # an idempotency key the job claims before running (event redeliveries)


class Pool:
    """A thread pool with a bounded queue; ``submit`` refuses (returns None) when it is full."""

    def __init__(self, name: str, workers: int, queue: int, *, background: bool = False) -> None:
        self.name = name
        self._background = background  # its jobs' statements are background work (the store)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._slots = threading.BoundedSemaphore(workers + queue)
        self._waiting = metrics.QUEUE_DEPTH.labels(name)  # submitted, not yet started

    def submit(self, fn: Callable[..., T], *args: object) -> Future[T] | None:
        """Run ``fn(*args)`` on a worker; None when the pool is full."""
        if not self._slots.acquire(blocking=False):
            logger.warning("the %s pool is full; refusing work", self.name)
            metrics.QUEUE_REJECTIONS.labels(self.name).inc()
            return None
        self._waiting.inc()
        try:
            return self._executor.submit(self._run, fn, args)
        except RuntimeError:  # shut down
            self._waiting.dec()
            self._slots.release()
            return None

    def _run(self, fn: Callable[..., T], args: tuple[object, ...]) -> T:
        self._waiting.dec()
        start = time.monotonic()
        try:
            if self._background:
                with background():
                    return fn(*args)
            return fn(*args)
        finally:
            self._slots.release()
            took = time.monotonic() - start
            if took > SLOW_JOB:
                logger.warning("%s job %s took %.1fs", self.name, _name(fn), took)

    def shutdown(self) -> None:
        """Finish queued jobs, then stop the threads."""
        self._executor.shutdown(wait=True)


def _name(fn: Callable[..., object]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


@dataclass
class Work:
    """The app's two pools."""

    slack: Pool
    writes: Pool

    @classmethod
    def create(cls) -> Work:
        """Pools of the default sizes."""
        return cls(
            # After the ack: its statements never hold up a request's (the write pool's are
            # the clicks' own writes, made before their ack).
            Pool("ofin-slack", SLACK_WORKERS, SLACK_QUEUE, background=True),
            Pool("ofin-write", WRITE_WORKERS, WRITE_QUEUE),
        )


def work_of(context: BoltContext) -> Work:
    """The Work that the app's middleware put into Bolt's request context."""
    return context[WORK_KEY]


def tell_user_about_error(body: dict, respond: Respond | None, client: WebClient | None) -> None:
    """Say "Sorry" where the answer would have gone: response_url, a mention's thread, a DM."""
    message = blocks.error_message()
    try:
        if respond is not None and body.get("response_url"):
            respond(response_type="ephemeral", replace_original=False, **message)
            return
        event = body.get("event") or {}
        if client is not None and event.get("channel") and event.get("type") in ANSWERED_EVENTS:
            thread_ts = event.get("thread_ts") or (
                event.get("ts") if event["type"] == "app_mention" else None
            )
            kwargs = {"thread_ts": thread_ts} if thread_ts else {}
            client.chat_postMessage(channel=event["channel"], **kwargs, **message)
    except Exception:
        logger.exception("could not tell the user about the error")


def later(
    ack: Ack,
    context: BoltContext,
    body: dict,
    job: Callable[[], None],
    *,
    respond: Respond | None = None,
    client: WebClient | None = None,
) -> None:
    """Acknowledge now and run ``job`` on the Slack pool; a failing job says "Sorry" to the user.

    When the pool is full, the acknowledgement itself says that ofin is busy (no Slack call).
    """
    claim = context.get(CLAIM_KEY)
    record = record_of(context)

    def run() -> None:
        outcome = None
        try:
            if claim and not context[CORE_KEY].store.claim(claim):
                logger.info("ignoring a redelivery (%s)", claim)
                outcome = "duplicate"
                return
            job()
        except StoreUnavailable:  # logged once by the store, with the reason
            outcome = "error"
            tell_user_about_error(body, respond, client)
        except Exception:
            outcome = "error"
            logger.exception("a listener's work failed")
            tell_user_about_error(body, respond, client)
        finally:
            if record is not None:
                record.finish(outcome)

    if record is not None:
        record.deferred = True
    if work_of(context).slack.submit(run) is None:
        if record is not None:
            record.deferred, record.outcome = False, "busy"
        _ack_busy(ack, body)
        return
    ack()


def write_then(
    ack: Ack,
    context: BoltContext,
    body: dict,
    write: Callable[[], T],
    follow_up: Callable[[T], None],
    *,
    respond: Respond | None = None,
) -> None:
    """Make ``write()`` durable, then acknowledge, then run ``follow_up(result)`` on the Slack pool.

    The write runs on the write pool and the ack waits for it up to ACK_BUDGET: normally the
    answer is committed (WAL) before Slack hears "200". Should the database be locked by another
    process for longer, the ack goes anyway (Slack's 3 s limit) and the write finishes later; the
    person's private note comes once it has. A write that fails gets a "Sorry", never a timeout.
    """
    work = work_of(context)
    record = record_of(context)
    if INLINE_WRITES:
        done: Future[T] = Future()
        try:
            done.set_result(write())
        except Exception as exc:
            done.set_exception(exc)
        written: Future[T] | None = done
    else:
        written = work.writes.submit(write)
    if written is None:
        if record is not None:
            record.outcome = "busy"
        _ack_busy(ack, body)
        return
    try:
        written.result(timeout=ACK_BUDGET)
    except FutureTimeout:
        logger.warning("a write waited over %.1fs; acknowledging before it lands", ACK_BUDGET)
    except Exception:
        logger.debug("a click's write failed; its follow-up tells the person")
    ack()

    def run() -> None:
        outcome = None  # the request's own, or error
        try:
            result = written.result()
        except Exception as exc:
            if not isinstance(exc, StoreUnavailable):  # that one the store logged, once
                logger.exception("could not store a click")
            tell_user_about_error(body, respond, None)
            if record is not None:
                record.finish("error")
            return
        try:
            follow_up(result)
        except Exception:
            outcome = "error"
            logger.exception("a click's follow-up failed")
            tell_user_about_error(body, respond, None)
        finally:
            if record is not None:
                record.finish(outcome)

    if record is not None:
        record.deferred = True
    if work.slack.submit(run) is None:
        logger.warning("no worker free for a click's follow-up; the click itself is stored")
        if record is not None:
            record.finish("busy")


def _ack_busy(ack: Ack, body: dict) -> None:
    if body.get("response_url") or body.get("command"):
        ack(response_type="ephemeral", text=BUSY)
    else:
        ack()
