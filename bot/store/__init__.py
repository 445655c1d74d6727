"""ofin's storage: one ``Store`` holding a repository per aggregate, on SQLite or PostgreSQL.

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
same connection. Callers hold one ``Store`` and reach every read and write through the
repository that owns it, under that one name: ``store.posts.create_post``,
``store.people.touch_user``, ``store.scores.leaderboard``. The store itself offers only what no
repository owns: its workspaces (``for_team``, ``adopt_workspace``, ``forget_workspace``) and the
database's own operations (``claim``, ``problem``, ``leads_schedules``, ``prune_claims``,
``applied_migrations``, ``close``); tests/store/test_store_api.py keeps it so. The three kinds of
channel schedule name their operations alike (``get``, ``save``, ``disable``, ``enabled``).
Every operation is safe to call from several threads and processes (see bot/store/db.py). Rows
come back as frozen dataclasses, never dicts; there is no raw query: every read and write is here.
"""

from __future__ import annotations

from datetime import timedelta
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
from bot.store.installations import InstallationRow, Installations, ScheduledWork, WorkspaceRow
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
        self._bind(db, home_team(db) if team is None else team, self._views, Installations(db))

    def for_team(self, team: str) -> Store:
        """The same database as workspace ``team`` sees it (one view per team, reused)."""
        with self._db.lock:
            view = self._views.get(team)
            if view is None:
                view = Store.__new__(Store)
                view._bind(self._db, team, self._views, self.installations)
                self._views[team] = view
            return view

    def adopt_workspace(self, team: str) -> int:
        """Make ``team`` the home workspace: give it the rows no workspace owned yet ("").

        Called when a single-workspace ofin learns which workspace it serves (auth.test at
        start), so a database made before workspaces were keyed loses nothing. Returns the rows
        moved; this store serves ``team`` from now on.
        """
        moved = adopt(self._db, team)
        self._bind(self._db, team, self._views, self.installations)
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

    # --- the database's own: not one aggregate's, so they stay on the store -----------------

    def problem(self) -> str | None:
        """Why the database cannot take writes now (for /readyz), or None when it can."""
        return self._db.problem()

    def leads_schedules(self) -> bool:
        """Whether this process runs the schedulers (False in a worker that follows the leader)."""
        return self._db.leads_schedules()

    def claim(self, key: str) -> bool:
        """Return True the first time ``key`` is claimed (by any thread or process), else False.

        Claims are the installation's, not one workspace's: every view shares the table.
        """
        return self._db.claim(key)

    def prune_claims(self, older_than: timedelta = CLAIM_TTL) -> int:
        """Delete claims older than ``older_than``; return how many were deleted."""
        return self._db.prune_claims(older_than)

    def applied_migrations(self) -> list[str]:
        """The names of the migrations the database has, in order."""
        return self._db.applied_migrations()

    def close(self) -> None:
        """Close the connection (every workspace's view shares it)."""
        self._db.close()

    def _bind(
        self, db: Db, team: str, views: dict[str, Store], installations: Installations
    ) -> None:
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
        # OAuth installs: of the app, not of a workspace; one for every view, so the worker's
        # cache of them (bot/store/installations.py) is one, and a delete through any clears it.
        self.installations = installations
        self.scheduled_work = ScheduledWork(db)  # which workspaces the scheduler loop visits
