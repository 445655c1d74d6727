"""SQLite storage through sqlite-utils: one facade, ``Store``, over repositories by aggregate.

- ``db``: the connection, its lock and write transactions, the clock, claims;
- ``migrations``: the schema as named migrations, applied when the store opens;
- ``people`` (users, feedback, forgetting), ``declined`` (questions the bot declined),
  ``practice`` (prompts and reviews), ``quiz`` (daily posts and their answers), ``schedules``,
  ``scores`` (leaderboards, totals, the export), ``stacks`` (saved stacks, duty owners),
  ``digests`` (weekly digest schedules and claims), ``campaigns`` (targets, reminders) and
  ``versions`` (each quiz question's wordings).

Callers hold one ``Store``: each repository is an attribute (``store.posts``, ``store.digests``),
and the store also offers the operations of the core repositories under their own names
(``store.create_post``), which is what most of the bot calls; stacks, digests, campaigns and
versions are reached through their attribute. Every operation is safe to call from several
threads and processes (see bot/store/db.py). Rows come back as frozen dataclasses, never dicts;
only ``query`` is left, for the reports that own their read-only SQL: every write is here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.clock import Clock
from bot.store.campaigns import CampaignPeriod, CampaignRow, CampaignStore
from bot.store.channels import Channels
from bot.store.db import CLAIM_TTL, Db, Params, StoreError, StoreUnavailable, parse_ts, ts
from bot.store.declined import (
    MAX_LOGGED_QUESTION,
    DeclinedCount,
    DeclinedQuestions,
    normalize_question,
)
from bot.store.digests import DigestRow, DigestStatus, DigestStore
from bot.store.directory import Directory, DirectoryEntry
from bot.store.people import USER_COLUMNS, People, UserRow
from bot.store.practice import Practice, PromptRow, ReviewRow
from bot.store.quiz import AnswerRow, PostKind, PostStatus, QuizPost, QuizPosts
from bot.store.schedules import ScheduleRow, Schedules
from bot.store.scores import (
    CategoryResult,
    ChannelTotals,
    ExportRow,
    PlayerTotals,
    PostOutcome,
    Scores,
    UserTotals,
)
from bot.store.stacks import SavedStack, StackStore
from bot.store.versions import QuestionVersions, VersionRow

REPORT_INDEX = "idx_answers_report"  # migration m013; the report reads answers through it

__all__ = [
    "CLAIM_TTL",
    "MAX_LOGGED_QUESTION",
    "REPORT_INDEX",
    "USER_COLUMNS",
    "AnswerRow",
    "CampaignPeriod",
    "CampaignRow",
    "CategoryResult",
    "ChannelTotals",
    "DeclinedCount",
    "DigestRow",
    "DirectoryEntry",
    "DigestStatus",
    "ExportRow",
    "PlayerTotals",
    "PostKind",
    "PostOutcome",
    "PostStatus",
    "PromptRow",
    "QuizPost",
    "ReviewRow",
    "SavedStack",
    "ScheduleRow",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "UserRow",
    "UserTotals",
    "VersionRow",
    "normalize_question",
    "parse_ts",
    "ts",
]


class Store:
    """The bot's SQLite database: claims, people, declined questions, quizzes and stacks."""

    def __init__(self, path: str | Path, *, clock: Clock) -> None:
        """Open (creating if needed) the database at ``path`` and apply pending migrations.

        ``clock`` stamps every row and answers "now" for the repositories; whoever opens the
        store chooses it (the composition root, or a test with a FakeClock).
        Raise StoreError, with the reason, when the path cannot hold a database.
        """
        self._db = Db(path, clock=clock)
        self.path: Path = self._db.path
        self.clock: Clock = self._db.clock
        self.db: Database = self._db.database  # sqlite-utils' view, for tests and db tools

        self.people = People(self._db)
        self.declined = DeclinedQuestions(self._db)
        self.practice = Practice(self._db)
        self.posts = QuizPosts(self._db)
        self.schedules = Schedules(self._db)
        self.scores = Scores(self._db)
        self.stacks = StackStore(self._db)
        self.digests = DigestStore(self._db)
        self.campaigns = CampaignStore(self._db)
        self.versions = QuestionVersions(self._db)
        self.directory = Directory(self._db, self.people)  # names and emails for reports
        self.channels = Channels(self._db)  # which channel ids this database has seen

        # The flat API: each name is the operation of the repository that owns it.
        self.problem = self._db.problem  # why writes fail now (for /readyz), or None
        self.claim = self._db.claim
        self.prune_claims = self._db.prune_claims
        self.applied_migrations = self._db.applied_migrations
        self.close = self._db.close

        self.touch_user = self.people.touch_user
        self.user = self.people.user
        self.record_feedback = self.people.record_feedback
        self.feedback_for = self.people.feedback_for
        self.feedback_counts = self.people.feedback_counts
        self.user_hash = self.people.user_hash
        self.forgotten_hashes = self.people.forgotten_hashes
        self.forget_user = self.people.forget_user

        self.record_declined = self.declined.record_declined
        self.top_declined = self.declined.top_declined

        self.reviews_for = self.practice.reviews_for
        self.save_review = self.practice.save_review
        self.recent_practice = self.practice.recent_practice
        self.create_prompt = self.practice.create_prompt
        self.prompt = self.practice.prompt
        self.answer_prompt = self.practice.answer_prompt

        self.create_post = self.posts.create_post
        self.slot_taken = self.posts.slot_taken
        self.mark_posted = self.posts.mark_posted
        self.mark_failed = self.posts.mark_failed
        self.note_error = self.posts.note_error
        self.posts_posting = self.posts.posts_posting
        self.post = self.posts.post
        self.open_posts = self.posts.open_posts
        self.posts_to_close = self.posts.posts_to_close
        self.posts_to_reveal = self.posts.posts_to_reveal
        self.close_post = self.posts.close_post
        self.mark_revealed = self.posts.mark_revealed
        self.times_asked = self.posts.times_asked
        self.last_question = self.posts.last_question
        self.record_answer = self.posts.record_answer
        self.answer_of = self.posts.answer_of
        self.answer_count = self.posts.answer_count
        self.post_summary = self.posts.post_summary

        self.save_schedule = self.schedules.save_schedule
        self.disable_schedule = self.schedules.disable_schedule
        self.schedule = self.schedules.schedule
        self.enabled_schedules = self.schedules.enabled_schedules

        self.leaderboard = self.scores.leaderboard
        self.team_board = self.scores.team_board
        self.user_totals = self.scores.user_totals
        self.category_results = self.scores.category_results
        self.post_results = self.scores.post_results
        self.channels_played = self.scores.channels_played
        self.export_answers = self.scores.export_answers

    # --- raw SQL, read-only, for the reports that own their queries ------------------------

    def query(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query as dicts (for reports that own their SQL)."""
        return self._db.rows(sql, params)
