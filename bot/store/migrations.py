"""The database schema as named sqlite-utils migrations, applied in order when the store opens.

Append only: to change the schema, add a new ``mNNN_...`` function at the end; never edit or
reorder one that has shipped. Each runs once per database file, inside a transaction.
"""

from __future__ import annotations

import secrets

from sqlite_utils import Database, Migrations

migrations = Migrations("ofin")


@migrations()
def m001_create_claims(db: Database) -> None:
    """Idempotency keys: a row exists once a key has been claimed."""
    db.table("claims").create({"key": str, "claimed_at": str}, pk="key", not_null={"claimed_at"})


@migrations()
def m002_create_feedback(db: Database) -> None:
    """Thumbs up/down on answers: one vote per (user, question, item), the latest wins."""
    db.table("feedback").create(
        {
            "user_id": str,
            "question": str,
            "item_key": str,  # the item id, or "" when the answer had no item
            "item_id": str,
            "helpful": int,
            "created_at": str,
            "updated_at": str,
        },
        pk=("user_id", "question", "item_key"),
        not_null={"helpful", "created_at", "updated_at"},
    )


@migrations()
def m003_create_declined(db: Database) -> None:
    """Questions the bot declined to answer, for curators."""
    db.table("declined").create(
        {
            "id": int,
            "question": str,
            "normalized": str,
            "user_id": str,
            "channel_id": str,
            "asked_at": str,
        },
        pk="id",
        not_null={"question", "normalized", "asked_at"},
    )
    db.table("declined").create_index(["normalized"])
    db.table("declined").create_index(["user_id"])


@migrations()
def m004_create_users(db: Database) -> None:
    """People the bot has met: their workspace and time zone (for schedules and week starts)."""
    db.table("users").create(
        {"user_id": str, "team_id": str, "tz": str, "first_seen": str, "last_seen": str},
        pk="user_id",
        not_null={"first_seen", "last_seen"},
    )


@migrations()
def m005_create_reviews(db: Database) -> None:
    """Spaced repetition: the Leitner box of each (person, question) and when it is due."""
    db.table("reviews").create(
        {
            "user_id": str,
            "question_id": str,
            "box": int,
            "due_at": str,
            "last_asked_at": str,
            "times_answered": int,
            "times_correct": int,
        },
        pk=("user_id", "question_id"),
        not_null={"box", "due_at"},
        defaults={"times_answered": 0, "times_correct": 0},
    )


@migrations()
def m006_create_practice_prompts(db: Database) -> None:
    """Practice questions shown to one person; answered at most once each."""
    db.table("practice_prompts").create(
        {
            "id": str,
            "user_id": str,
            "channel_id": str,
            "question_id": str,
            "item_id": str,
            "category": str,
            "asked_at": str,
            "answered_at": str,
            "choice": str,
            "correct": int,
            "points": int,
        },
        pk="id",
        not_null={"user_id", "question_id", "asked_at"},
    )
    db.table("practice_prompts").create_index(["user_id", "asked_at"])


@migrations()
def m007_create_quiz_posts(db: Database) -> None:
    """Daily quiz posts; ``slot`` (unique) makes each scheduled day post at most once."""
    db.table("quiz_posts").create(
        {
            "id": int,
            "channel_id": str,
            "team_id": str,
            "kind": str,  # "scheduled" | "manual"
            "slot": str,  # "daily:<channel>:<local date>" for scheduled posts, else NULL
            "question_id": str,
            "item_id": str,
            "category": str,
            "status": str,  # "posting" -> "open" -> "closed"; "failed" if Slack refused
            "message_ts": str,
            "created_at": str,
            "posted_at": str,
            "deadline_at": str,
            "closed_at": str,
            "revealed": int,
        },
        pk="id",
        not_null={"channel_id", "kind", "question_id", "status", "created_at"},
        defaults={"revealed": 0},
    )
    db.table("quiz_posts").create_index(["slot"], unique=True)
    db.table("quiz_posts").create_index(["channel_id", "created_at"])
    db.table("quiz_posts").create_index(["status", "deadline_at"])


@migrations()
def m008_create_answers(db: Database) -> None:
    """Answers to daily posts: UNIQUE (post, user), so only a person's first answer counts."""
    db.table("answers").create(
        {
            "id": int,
            "post_id": int,
            "user_id": str,
            "channel_id": str,
            "question_id": str,
            "category": str,
            "choice": str,
            "correct": int,
            "points": int,
            "response_ms": int,
            "answered_at": str,
        },
        pk="id",
        foreign_keys=[("post_id", "quiz_posts", "id")],
        not_null={"post_id", "user_id", "channel_id", "correct", "points", "answered_at"},
    )
    db.table("answers").create_index(["post_id", "user_id"], unique=True)
    db.table("answers").create_index(["channel_id", "answered_at"])
    db.table("answers").create_index(["user_id"])


@migrations()
def m009_create_schedules(db: Database) -> None:
    """One daily-quiz schedule per channel; ``active_since`` stops back-posting when turned on."""
    db.table("schedules").create(
        {
            "channel_id": str,
            "team_id": str,
            "at": str,  # "HH:MM", local to tz
            "tz": str,
            "weekdays": str,  # "mon,tue,wed,thu,fri"
            "enabled": int,
            "active_since": str,
            "updated_by": str,
            "updated_at": str,
        },
        pk="channel_id",
        not_null={"at", "tz", "weekdays", "enabled", "active_since", "updated_at"},
    )


@migrations()
def m010_create_stacks(db: Database) -> None:
    """Saved stacks (per workspace and name) for the matrix, and who owns each of their duties."""
    db.table("stacks").create(
        {
            "team_id": str,  # "" outside Slack (the console)
            "name": str,
            "services": str,  # service ids, comma-separated, in the order given
            "saved_by": str,  # may change it (with admins); NULL once that person is forgotten
            "saved_at": str,
            "updated_at": str,
        },
        pk=("team_id", "name"),
        not_null={"services", "saved_at", "updated_at"},
    )
    db.table("duty_owners").create(
        {
            "team_id": str,
            "stack": str,
            "duty": str,  # "<area id>:<item id>" (bot/matrix/matrix.py Duty.key)
            "owner_id": str,
            "assigned_by": str,
            "assigned_at": str,
        },
        pk=("team_id", "stack", "duty"),
        not_null={"owner_id", "assigned_at"},
    )
    db.table("duty_owners").create_index(["team_id", "owner_id"])


@migrations()
def m011_create_question_versions(db: Database) -> None:
    """Each quiz question's content hash and when a process first loaded it (for evidence)."""
    db.table("question_versions").create(
        {"question_id": str, "version": str, "first_seen": str},
        pk=("question_id", "version"),
        not_null={"first_seen"},
    )


@migrations()
def m012_create_forgotten(db: Database) -> None:
    """People who asked to be forgotten, as keyed hashes only (so reports can leave them out)."""
    db.table("forgotten").create(
        {"user_hash": str, "forgotten_at": str}, pk="user_hash", not_null={"forgotten_at"}
    )
    # The key makes the hashes useless outside this database (no guessing ids from a dump).
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("meta").insert({"key": "forget_key", "value": secrets.token_hex(32)})


@migrations()
def m013_index_answers_for_reports(db: Database) -> None:
    """A covering index in the report's grouping order: a year of answers without a sort."""
    db.table("answers").create_index(
        ["user_id", "category", "answered_at", "correct"], index_name="idx_answers_report"
    )


@migrations()
def m014_create_digests(db: Database) -> None:
    """Weekly digests: one schedule per channel; each week's post claimed once (UNIQUE)."""
    db.table("digests").create(
        {
            "channel_id": str,
            "team_id": str,
            "enabled": int,
            "weekday": int,  # 0 = Monday
            "at": str,  # "HH:MM", local to tz
            "tz": str,
            "enabled_since": str,  # weeks due before this are never back-posted
            "updated_by": str,
            "updated_at": str,
        },
        pk="channel_id",
        not_null={"enabled", "weekday", "at", "tz", "enabled_since", "updated_at"},
    )
    db.table("digest_posts").create(
        {
            "id": int,
            "channel_id": str,
            "week": str,  # "2026-W48"; NULL for `digest now`
            "status": str,  # "posting" -> "posted" | "failed"
            "created_at": str,
            "posted_at": str,
        },
        pk="id",
        not_null={"channel_id", "status", "created_at"},
    )
    db.table("digest_posts").create_index(["channel_id", "week"], unique=True)


@migrations()
def m015_one_open_quiz_per_channel(db: Database) -> None:
    """At most one open daily quiz per channel, enforced by a partial UNIQUE index; why a post
    failed is kept in ``error``, and who asked for a ``daily now`` in ``requested_by`` (they hear
    about a post that finally failed).

    Earlier versions could leave two open in one channel (concurrent ``daily now``): all but the
    newest are closed here, and the scheduler reveals them as usual.
    """
    db.table("quiz_posts").add_column("error", str)
    db.table("quiz_posts").add_column("requested_by", str)
    db.execute(
        """
        UPDATE quiz_posts SET status = 'closed', closed_at = COALESCE(closed_at, created_at)
        WHERE status = 'open' AND id NOT IN (
            SELECT MAX(id) FROM quiz_posts WHERE status = 'open' GROUP BY channel_id
        )
        """
    )
    db.execute(
        "CREATE UNIQUE INDEX idx_quiz_posts_one_open ON quiz_posts (channel_id) "
        "WHERE status = 'open'"
    )


@migrations()
def m016_create_campaigns(db: Database) -> None:
    """Completion campaigns per channel, the weekly reminders sent (once per person and week),
    and the people who turned reminders off (kept even after "forget me": respected forever)."""
    db.table("campaigns").create(
        {
            "channel_id": str,
            "team_id": str,
            "target": int,  # answers each member should give per period
            "per": str,  # "month" | "quarter" | "year"
            "enabled": int,
            "set_by": str,
            "set_at": str,
        },
        pk="channel_id",
        not_null={"target", "per", "enabled", "set_at"},
    )
    db.table("campaign_reminders").create(
        {"user_id": str, "week": str, "channel_id": str, "sent_at": str},
        pk=("user_id", "week"),
        not_null={"sent_at"},
    )
    db.table("remind_optouts").create({"user_id": str, "opted_out_at": str}, pk="user_id")


#: Tables whose rows all belong to one workspace, with the primary key each gets (team first).
#: claims, meta and question_versions are the installation's own, not a workspace's.
WORKSPACE_KEYS: dict[str, tuple[str, ...] | None] = {
    "feedback": ("team_id", "user_id", "question", "item_key"),
    "declined": None,  # keeps its own id
    "users": ("team_id", "user_id"),
    "reviews": ("team_id", "user_id", "question_id"),
    "practice_prompts": None,
    "quiz_posts": None,
    "answers": None,
    "schedules": ("team_id", "channel_id"),
    "stacks": None,  # keyed by team since m010
    "duty_owners": None,
    "forgotten": ("team_id", "user_hash"),
    "digests": ("team_id", "channel_id"),
    "digest_posts": None,
    "campaigns": ("team_id", "channel_id"),
    "campaign_reminders": ("team_id", "user_id", "week"),
    "remind_optouts": ("team_id", "user_id"),
}

#: Where a database made before workspaces were keyed learnt which one it served.
HOME_TEAM_SOURCES = ("users", "quiz_posts", "schedules", "digests", "campaigns", "stacks")


@migrations()
def m017_every_row_belongs_to_a_workspace(db: Database) -> None:
    """Key every workspace's row by its team id, so one database can serve many workspaces.

    A database made by a single-workspace ofin holds one workspace: its team id is the one its
    rows already name (users, posts, schedules...), recorded in ``meta`` as ``home_team`` and
    given to every row. When no row names one yet, rows get "" (not yet known) and the first
    start in Slack gives them the workspace's id (``Store.adopt_workspace``). Nothing is dropped.
    """
    teams = set()
    for table in HOME_TEAM_SOURCES:
        teams |= {
            r[0] for r in db.execute(f"SELECT DISTINCT team_id FROM [{table}] WHERE team_id != ''")
        }
    home = teams.pop() if len(teams) == 1 else ""
    if home:
        db.table("meta").upsert({"key": "home_team", "value": home}, pk="key")
    for table, pk in WORKSPACE_KEYS.items():
        t = db.table(table)
        if "team_id" not in t.columns_dict:
            t.add_column("team_id", str)
        if table == "answers":  # an answer belongs to its post's workspace
            db.execute(
                "UPDATE answers SET team_id = (SELECT team_id FROM quiz_posts p "
                "WHERE p.id = answers.post_id)"
            )
        db.execute(f"UPDATE [{table}] SET team_id = ? WHERE team_id IS NULL", [home])
        if pk is not None:
            t.transform(pk=pk, not_null={"team_id"})
        elif table != "quiz_posts":  # answers refer to quiz_posts: it cannot be rebuilt here
            t.transform(not_null={"team_id"})
    db.execute("DROP INDEX idx_answers_report")
    db.table("answers").create_index(
        ["team_id", "user_id", "category", "answered_at", "correct"],
        index_name="idx_answers_report",
    )
    db.table("declined").create_index(["team_id", "normalized"])
    db.table("practice_prompts").create_index(["team_id", "user_id", "asked_at"])
    db.table("quiz_posts").create_index(["team_id", "status"])
    db.execute("DROP INDEX idx_digest_posts_channel_id_week")
    db.table("digest_posts").create_index(["team_id", "channel_id", "week"], unique=True)


@migrations()
def m018_create_installations(db: Database) -> None:
    """OAuth installs: each workspace's (or Grid org's) bot token, the OAuth states of installs
    under way, and the workspaces served, with when they uninstalled ofin (their data is kept
    for OFIN_RETENTION_DAYS from then, and deleted after)."""
    db.table("installations").create(
        {
            "enterprise_id": str,  # "" outside Enterprise Grid
            "team_id": str,  # "" for an org-wide install
            "is_enterprise_install": int,
            "bot_token": str,
            "bot_id": str,
            "bot_user_id": str,
            "bot_scopes": str,
            "bot_refresh_token": str,
            "bot_token_expires_at": int,
            "app_id": str,
            "team_name": str,
            "enterprise_name": str,
            "enterprise_url": str,
            "installer_user_id": str,
            "token_type": str,
            "installed_at": str,
        },
        pk=("enterprise_id", "team_id"),
        not_null={"enterprise_id", "team_id", "is_enterprise_install", "bot_token", "installed_at"},
    )
    db.table("oauth_states").create(
        {"state": str, "expires_at": str}, pk="state", not_null={"expires_at"}
    )
    db.table("workspaces").create(
        {"team_id": str, "enterprise_id": str, "first_seen": str, "uninstalled_at": str},
        pk="team_id",
        not_null={"enterprise_id", "first_seen"},
    )


#: Tables made after m017 that belong to one workspace: keyed by team from their first migration.
#: With WORKSPACE_KEYS, what forgetting a workspace deletes (bot/store/workspaces.py).
KEYED_BY_TEAM_SINCE_MADE: tuple[str, ...] = ("directory",)


@migrations()
def m019_create_directory(db: Database) -> None:
    """People's names (and emails, when the workspace lets ofin read them) as Slack last gave
    them, for reports an auditor can read; refreshed when older than a day. One workspace's:
    keyed by (team_id, user_id), so a name read in one workspace is never shown in another.

    A database that ran the single-workspace "m017_create_directory" already has the table,
    keyed by user only; it is a cache, so it is made again empty and refills at the next report.
    """
    db.execute("DROP TABLE IF EXISTS directory")
    db.table("directory").create(
        {
            "team_id": str,
            "user_id": str,
            "name": str,  # the display name, else the real name, else the handle
            "real_name": str,
            "email": str,
            "emails_visible": int,  # 1 when the token had users:read.email at that fetch
            "fetched_at": str,
        },
        pk=("team_id", "user_id"),
        not_null={"team_id", "fetched_at", "emails_visible"},
    )
