"""ofin's storage: one facade, ``Store``, over repositories by aggregate, on SQLite or PostgreSQL.

- ``db``: the one seam to the database (rows, statements, write transactions, the clock,
  claims) and SQLite through sqlite-utils, the default; ``postgres`` (with ``dialect``,
  ``pg_schema`` and ``pg_conn``): the same seam on a PostgreSQL server, for several workers;
  ``engines``: which of the two a path or URL opens;
- ``migrations``: the schema as named migrations, applied when the store opens;
- ``people`` (users, feedback, forgetting), ``declined`` (questions the bot declined),
  ``practice`` (prompts and reviews), ``quiz`` (daily posts and their answers), ``schedules``,
  ``scores`` (leaderboards, totals, the export), ``stacks`` (saved stacks, duty owners),
  ``digests`` (weekly digest schedules and claims), ``campaigns`` (targets, reminders),
  ``reports`` (the training report's, the digest's and the insights' reads), ``directory``
  (people's names and emails from Slack, for reports), ``channels`` (which channel ids the
  workspace has used) and ``versions`` (each quiz question's wordings);
- ``workspaces`` (the home workspace, adopting rows no workspace owned yet).

Every row belongs to a workspace (its ``team_id``, m017) and a ``Store`` is one workspace's view:
what it reads and writes is that workspace's only; ``store.for_team(team)`` is another's, on the
same connection. Callers hold one ``Store``: each repository is an attribute (``store.posts``,
``store.digests``), and the store also offers the operations of the core repositories under their
own names (``store.create_post``), which is what most of the bot calls; schedules, stacks,
digests, campaigns, reports and versions are reached through their attribute, and the three kinds
of channel schedule name their operations alike (``get``, ``save``, ``disable``, ``enabled``).
Every operation is safe to call from several threads and processes (see bot/store/db.py). Rows
come back as frozen dataclasses, never dicts; there is no raw query: every read and write is here.
"""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from bot.clock import Clock
from bot.store.campaigns import CampaignPeriod, CampaignRow, CampaignStore
from bot.store.channels import Channels
from bot.store.db import (
    CLAIM_TTL,
    Db,
    SqliteDb,
    StoreError,
    StoreUnavailable,
    parse_ts,
    ts,
)
from bot.store.declined import (
    MAX_LOGGED_QUESTION,
    DeclinedCount,
    DeclinedQuestions,
    normalize_question,
)
from bot.store.digests import DigestRow, DigestStatus, DigestStore
from bot.store.directory import Directory, DirectoryEntry
from bot.store.engines import is_postgres_url, open_db
from bot.store.installations import InstallationRow, Installations, WorkspaceRow
from bot.store.people import USER_COLUMNS, People, UserRow
from bot.store.practice import Practice, PromptRow, ReviewRow
from bot.store.quiz import AnswerRow, PostKind, PostStatus, QuizPost, QuizPosts
from bot.store.reports import REPORT_INDEX, Reports
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
from bot.store.workspaces import adopt, home_team

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
    "DigestStatus",
    "DirectoryEntry",
    "ExportRow",
    "InstallationRow",
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
    "WorkspaceRow",
    "is_postgres_url",
    "normalize_question",
    "parse_ts",
    "ts",
]


class Store:
    """The bot's database as one workspace sees it: claims, people, quizzes, stacks, reports.

    A Store reads and writes one workspace's rows only (``team``); ``for_team`` gives the view
    of another workspace on the same connection. Whoever opens the store gets its home
    workspace: the one a single-workspace ofin serves (``home_team`` in ``meta``), or "" until
    the first start in Slack names it (``adopt_workspace``).
    """

    def __init__(self, path: str | Path, *, clock: Clock, team: str | None = None) -> None:
        """Open (creating if needed) the database at ``path`` and apply pending migrations.

        ``path`` is a SQLite file's path, or a ``postgresql://`` URL (bot/store/postgres.py).

        ``clock`` stamps every row and answers "now" for the repositories; whoever opens the
        store chooses it (the composition root, or a test with a FakeClock). ``team`` is the
        workspace this view serves (default: the home workspace).
        Raise StoreError, with the reason, when the path cannot hold a database.
        """
        db = open_db(path, clock=clock)
        self._views: dict[str, Store] = {}
        self._bind(db, home_team(db) if team is None else team, self._views)

    def for_team(self, team: str) -> Store:
        """The same database as workspace ``team`` sees it (one view per team, reused)."""
        with self._db.lock:
            view = self._views.get(team)
            if view is None:
                view = Store.__new__(Store)
                view._bind(self._db, team, self._views)
                self._views[team] = view
            return view

    def adopt_workspace(self, team: str) -> int:
        """Make ``team`` the home workspace: give it the rows no workspace owned yet ("").

        Called when a single-workspace ofin learns which workspace it serves (auth.test at
        start), so a database made before workspaces were keyed loses nothing. Returns the rows
        moved; this store serves ``team`` from now on.
        """
        moved = adopt(self._db, team)
        self._bind(self._db, team, self._views)
        return moved

    @property
    def db(self) -> Database:
        """sqlite-utils' view of the SQLite file, for tests and the db tools (SQLite only)."""
        if not isinstance(self._db, SqliteDb):
            raise StoreError("the store is on PostgreSQL: there is no SQLite file to open")
        return self._db.database

    def forget_workspace(self) -> int:
        """Delete every row of this workspace (and its installation); return how many."""
        return self.installations.forget_workspace(self.team)

    def _bind(self, db: Db, team: str, views: dict[str, Store]) -> None:
        self._db = db
        self._views = views
        self.team: str = team
        self.path: Path = db.path
        self.clock: Clock = db.clock
        self.engine = db.engine  # "sqlite" or "postgresql"

        self.people = People(db, team)
        self.declined = DeclinedQuestions(db, team)
        self.practice = Practice(db, team)
        self.posts = QuizPosts(db, team)
        self.schedules = Schedules(db, team)
        self.scores = Scores(db, team)
        self.stacks = StackStore(db, team)
        self.digests = DigestStore(db, team)
        self.campaigns = CampaignStore(db, team)
        self.reports = Reports(db, team)
        self.versions = QuestionVersions(db)  # the knowledge base's, shared by every workspace
        self.directory = Directory(db, team)  # people's names and emails, for reports
        self.channels = Channels(db, team)  # which channel ids this workspace has used
        self.installations = Installations(db)  # OAuth installs: of the app, not of a workspace

        # The flat API: each name is the operation of the repository that owns it.
        self.problem = db.problem  # why writes fail now (for /readyz), or None
        self.leads_schedules = db.leads_schedules  # False in a worker that follows the leader
        self.claim = db.claim
        self.prune_claims = db.prune_claims
        self.applied_migrations = db.applied_migrations
        self.close = db.close

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

        self.leaderboard = self.scores.leaderboard
        self.team_board = self.scores.team_board
        self.user_totals = self.scores.user_totals
        self.category_results = self.scores.category_results
        self.post_results = self.scores.post_results
        self.channels_played = self.scores.channels_played
        self.export_answers = self.scores.export_answers
