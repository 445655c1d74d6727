"""Daily quizzes without Slack: schedules, claiming posts once, answers, deadlines and reveals.

The Slack side (bot/slack/publisher.py) does the talking; this module decides. Posting is
claim-then-post: a row is claimed in SQLite first (a scheduled day's slot is UNIQUE), and only the
claimer posts, so restarts or two processes never post a day twice. A claimed post stays
``posting`` until Slack has it: the publisher retries transient failures until the post's window
ends (``retry_until``) and, after a crash, first looks for it in the channel before posting again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from bot.kb.model import KnowledgeBase, QuizQuestion
from bot.quiz.adaptive import choose_daily
from bot.quiz.rules import PostResult, grade, points, streak
from bot.quiz.schedule import Rule, deadline, due_slot, next_slot, parse_rule, parse_weekdays_text
from bot.store import PostKind, QuizPost, ScheduleRow, Store

MANUAL_WINDOW = timedelta(minutes=15)  # how long a ``daily now`` post is retried
NOW_ONCE_WITHIN = timedelta(minutes=1)  # a second ``daily now`` this soon posts nothing


@dataclass(frozen=True)
class PublishOutcome:
    """What became of a claimed post: ``open``, still ``retrying`` (until when), or ``failed``."""

    status: str
    reason: str | None = None  # Slack's error, in its words, when not open
    retry_until: datetime | None = None

    def __bool__(self) -> bool:
        return self.status == "open"


class Publisher(Protocol):
    """What posts and updates daily quizzes in the chat (the Slack runner; a fake in tests)."""

    def publish(self, post: QuizPost) -> PublishOutcome | bool:
        """Post a claimed quiz; truthy when it is now open."""
        ...

    def reveal(self, post: QuizPost) -> None:
        """Show the answer of a closed quiz."""
        ...

    def refresh(self, post_id: int) -> None:
        """Bring an open post's count of answers up to date after one more was counted."""
        ...

    def publish_scheduled(self, post: QuizPost) -> None:
        """Post a quiz the schedule claimed; a final failure is told to the admin."""
        ...

    def resume(self, post: QuizPost) -> None:
        """Try again a post left ``posting`` (a retry, a crash), once its next attempt is due."""
        ...


@dataclass(frozen=True)
class Reveal:
    """Everything a closed post shows."""

    post: QuizPost
    question: QuizQuestion | None
    answered: int
    correct: int
    first_correct: tuple[str, ...]
    sources: tuple[str, ...]

    @property
    def share_right(self) -> int:
        """The percentage of answerers who got it right (0 when nobody answered)."""
        return round(100 * self.correct / self.answered) if self.answered else 0


AnswerStatus = Literal["counted", "duplicate", "closed", "unknown"]


@dataclass(frozen=True)
class AnswerOutcome:
    """What happened to one click on a daily post."""

    status: AnswerStatus
    post: QuizPost | None = None
    question: QuizQuestion | None = None
    correct: bool = False
    points: int = 0
    choice: str | None = None

    @property
    def counted(self) -> bool:
        """True when this click was the person's first answer and it counted."""
        return self.status == "counted"


@dataclass(frozen=True)
class OpenQuiz:
    """A daily quiz still taking answers."""

    answered: int
    deadline_at: datetime | None


@dataclass(frozen=True)
class DailyStatus:
    """A channel's daily quiz: its rule and next post, open quizzes, posts Slack has not taken."""

    channel_id: str
    rule: Rule | None
    next_at: datetime | None
    open: tuple[OpenQuiz, ...]
    waiting: tuple[str | None, ...]  # Slack's last error for each post still being retried
    reveal_hours: float | None


def rule_of(row: ScheduleRow) -> Rule:
    """The schedule rule stored in a row."""
    hour, minute = (int(x) for x in row.at.split(":"))
    return Rule(at=time(hour, minute), tz=row.tz, weekdays=parse_weekdays_text(row.weekdays))


class DailyQuizzes:
    """The daily quiz rules applied to the store and the knowledge base."""

    def __init__(
        self,
        store: Store,
        kb: KnowledgeBase,
        *,
        reveal_hours: float | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.kb = kb
        self.reveal_hours = reveal_hours
        self.rng = rng or random.Random()
        self._questions = {q.id: q for q in kb.quiz_questions}

    def now(self) -> datetime:
        """The store's clock."""
        return self.store.clock.now()

    def question(self, question_id: str) -> QuizQuestion | None:
        """The quiz question with this id (None if the knowledge base dropped it)."""
        return self._questions.get(question_id)

    # --- schedules --------------------------------------------------------------------------

    def status(self, channel_id: str, *, reveal_hours: float | None) -> DailyStatus:
        """The channel's schedule, next post, open quizzes and posts waiting to reach Slack."""
        rule = self.rule(channel_id)
        next_at = next_slot(rule, self.now()).due_at if rule else None
        open_quizzes = tuple(
            OpenQuiz(self.store.posts.answer_count(post.id), post.deadline_at)
            for post in self.store.posts.open_posts(channel_id)
        )
        waiting = tuple(
            post.error for post in self.store.posts.posts_posting() if post.channel_id == channel_id
        )
        return DailyStatus(channel_id, rule, next_at, open_quizzes, waiting, reveal_hours)

    def turn_on(
        self,
        channel_id: str,
        args: str,
        *,
        default_tz: str | None,
        user_id: str | None,
    ) -> tuple[Rule, datetime]:
        """Parse and save a schedule; return the rule and its first due time (ScheduleError)."""
        rule = parse_rule(args, default_tz=default_tz)
        row = self.store.schedules.save(
            channel_id=channel_id,
            at=f"{rule.at:%H:%M}",
            tz=rule.tz,
            weekdays=rule.weekdays_text(),
            updated_by=user_id,
        )
        return rule, next_slot(rule, row.active_since).due_at

    def rule(self, channel_id: str) -> Rule | None:
        """The channel's rule when its schedule is on."""
        row = self.store.schedules.get(channel_id)
        return rule_of(row) if row and row.enabled else None

    def run_pass(self, publisher: Publisher) -> None:
        """One pass of the scheduler: resume, close and reveal, post what is due, fix counts.

        (1) posts still ``posting`` are resumed (a due retry, or what a crash left behind);
        (2) open posts past their deadline close and are revealed; (3) reveals a crash
        interrupted are done again; (4) the quizzes now due are claimed and posted (catch-up
        included); (5) every open post's live count is brought up to the database's.
        """
        for post in self.store.posts.posts_posting():
            publisher.resume(post)
        for post in self.due_to_close():
            if self.close(post.id):
                publisher.reveal(post)
        for post in self.store.posts.posts_to_reveal():
            publisher.reveal(post)
        for post in self.claim_due():
            publisher.publish_scheduled(post)
        for post in self.store.posts.open_posts():
            publisher.refresh(post.id)  # a no-op unless an update failed or a restart forgot it

    def claim_due(self, now: datetime | None = None) -> list[QuizPost]:
        """Claim every scheduled post due now (catch-up included); the caller must publish them."""
        now = now or self.now()
        claimed = []
        for row in self.store.schedules.enabled():
            slot = due_slot(rule_of(row), now, active_since=row.active_since)
            if slot is None or self.store.posts.slot_taken(slot.key(row.channel_id)):
                continue
            post = self._claim(row.channel_id, "scheduled", slot.key(row.channel_id))
            if post is not None:
                claimed.append(post)
        return claimed

    def claim_now(
        self,
        channel_id: str,
        *,
        once_within: timedelta | None = None,
        requested_by: str | None = None,
    ) -> QuizPost | None:
        """Claim an immediate post (``daily now``); None when one was claimed within
        ``once_within`` (a repeated or replayed command posts once)."""
        since = self.now() - once_within if once_within is not None else None
        post = self._claim(
            channel_id, "manual", None, unless_since=since, requested_by=requested_by
        )
        assert post is not None or since is not None  # no slot, so nothing else collides
        return post

    def retry_until(self, post: QuizPost) -> datetime:
        """Until when a post that Slack refused for now is tried again: the end of its day
        (local midnight in the schedule's zone) for a scheduled one, MANUAL_WINDOW for the rest."""
        row = self.store.schedules.get(post.channel_id)
        if post.slot and row is not None:
            local_day = datetime.fromisoformat(post.slot.rsplit(":", 1)[1])
            zone = ZoneInfo(row.tz)
            midnight = datetime.combine(local_day.date() + timedelta(days=1), time(), zone)
            return midnight
        return post.created_at + MANUAL_WINDOW

    def _claim(
        self,
        channel_id: str,
        kind: PostKind,
        slot: str | None,
        unless_since: datetime | None = None,
        requested_by: str | None = None,
    ) -> QuizPost | None:
        # Weak categories first, and recall checks on what the team missed (bot/quiz/adaptive.py).
        question = choose_daily(self.store, self.kb, channel_id, self.now(), self.rng)
        item = self.kb.item(question.item_id)
        return self.store.posts.create_post(
            channel_id=channel_id,
            kind=kind,
            slot=slot,
            question_id=question.id,
            item_id=question.item_id,
            category=item.category if item else None,
            unless_since=unless_since,
            requested_by=requested_by,
        )

    def deadline_for(self, post: QuizPost, posted_at: datetime | None = None) -> datetime:
        """When the post closes: the channel's next scheduled post, or the reveal hours."""
        return deadline(
            posted_at or self.now(), rule=self.rule(post.channel_id), reveal_hours=self.reveal_hours
        )

    def opened(self, post: QuizPost, message_ts: str) -> QuizPost:
        """Record that the post is in the channel; it accepts answers until its deadline."""
        self.store.posts.mark_posted(
            post.id, message_ts=message_ts, deadline_at=self.deadline_for(post)
        )
        return self.store.posts.post(post.id)  # type: ignore[return-value]

    # --- answers ----------------------------------------------------------------------------

    def answer(
        self, post_id: int, user_id: str, choice_index: int, *, channel_id: str | None = None
    ) -> AnswerOutcome:
        """Grade and count one click; only a person's first click on an open post counts.

        With ``channel_id`` (where the click came from), a click naming another channel's post
        is refused: a button value is only as trustworthy as the message it came from.
        """
        # Its channel, question and posting time only: record_answer decides if it is open.
        post = self.store.posts.clicked(post_id)
        if post is None or (channel_id is not None and post.channel_id != channel_id):
            return AnswerOutcome("unknown")
        question = self.question(post.question_id)
        if question is None or not 0 <= choice_index < len(question.choices):
            return AnswerOutcome("unknown", post, question)
        correct = grade(question, choice_index)
        now = self.now()
        score = points(correct, now - post.posted_at if post.posted_at else None)
        choice = question.choices[choice_index]
        counted = self.store.posts.record_answer(
            post_id=post.id,
            user_id=user_id,
            choice=choice,
            correct=correct,
            points=score,
            response_ms=(
                int((now - post.posted_at).total_seconds() * 1000) if post.posted_at else None
            ),
        )
        if counted:
            return AnswerOutcome("counted", post, question, correct, score, choice)
        previous = self.store.posts.answer_of(post.id, user_id)
        if previous is not None:
            return AnswerOutcome(
                "duplicate", post, question, previous.correct, previous.points, previous.choice
            )
        return AnswerOutcome("closed", post, question, correct, 0, choice)

    def streak(self, user_id: str, channel_id: str) -> int:
        """The person's current streak of correct daily answers in a channel."""
        rows = self.store.scores.post_results(user_id, channel_id)
        return streak(PostResult(row.status == "closed", row.answered, row.correct) for row in rows)

    # --- deadlines and reveals --------------------------------------------------------------

    def due_to_close(self, now: datetime | None = None) -> list[QuizPost]:
        """Open posts past their deadline."""
        return self.store.posts.posts_to_close(now or self.now())

    def close(self, post_id: int) -> bool:
        """Close a post; True only for the caller that closed it (that caller reveals it)."""
        return self.store.posts.close_post(post_id)

    def close_open(self, channel_id: str, *, keep: int | None = None) -> list[QuizPost]:
        """Close the channel's open posts (except ``keep``); return those this caller closed."""
        return [
            self.store.posts.post(p.id)  # type: ignore[misc]
            for p in self.store.posts.open_posts(channel_id)
            if p.id != keep and self.store.posts.close_post(p.id)
        ]

    def reveal_of(self, post: QuizPost, first: int = 3) -> Reveal:
        """The answer, the share right and the first correct answerers of a post."""
        answered, correct, firsts = self.store.posts.post_summary(post.id, first)
        question = self.question(post.question_id)
        item = self.kb.item(post.item_id) if post.item_id else None
        return Reveal(
            post, question, answered, correct, tuple(firsts), tuple(item.sources) if item else ()
        )
