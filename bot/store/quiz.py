"""Daily quiz posts in channels and the answers people give to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from bot.store.db import Db, parse_required_ts, parse_ts, ts

#: "posting" -> "open" -> "closed"; "failed" when Slack refused the post.
PostStatus = Literal["posting", "open", "closed", "failed"]
#: A scheduled post fills its day's slot; a manual one comes from ``daily now``.
PostKind = Literal["scheduled", "manual"]


@dataclass(frozen=True)
class QuizPost:
    """A daily quiz post in a channel."""

    id: int
    channel_id: str
    team_id: str | None
    kind: PostKind
    slot: str | None
    question_id: str
    item_id: str | None
    category: str | None
    status: PostStatus
    message_ts: str | None
    created_at: datetime
    posted_at: datetime | None
    deadline_at: datetime | None
    closed_at: datetime | None
    revealed: bool
    error: str | None = None  # why Slack refused the post, when it failed
    requested_by: str | None = None  # who ran ``daily now`` (None for scheduled posts)

    @property
    def is_open(self) -> bool:
        """True while answers are accepted (until the deadline is processed)."""
        return self.status == "open"

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> QuizPost:
        """Build from a quiz_posts row."""
        return cls(
            id=row["id"],
            channel_id=row["channel_id"],
            team_id=row["team_id"],
            kind=cast(PostKind, row["kind"]),
            slot=row["slot"],
            question_id=row["question_id"],
            item_id=row["item_id"],
            category=row["category"],
            status=cast(PostStatus, row["status"]),
            message_ts=row["message_ts"],
            created_at=parse_required_ts(row["created_at"]),
            posted_at=parse_ts(row["posted_at"]),
            deadline_at=parse_ts(row["deadline_at"]),
            closed_at=parse_ts(row["closed_at"]),
            revealed=bool(row["revealed"]),
            error=row.get("error"),
            requested_by=row.get("requested_by"),
        )


@dataclass(frozen=True)
class AnswerRow:
    """A person's counted answer to a daily post (only their first counts)."""

    id: int
    post_id: int
    user_id: str
    channel_id: str
    question_id: str | None
    category: str | None
    choice: str | None
    correct: bool
    points: int
    response_ms: int | None
    answered_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AnswerRow:
        """Build from an answers row."""
        return cls(
            id=row["id"],
            post_id=row["post_id"],
            user_id=row["user_id"],
            channel_id=row["channel_id"],
            question_id=row["question_id"],
            category=row["category"],
            choice=row["choice"],
            correct=bool(row["correct"]),
            points=int(row["points"]),
            response_ms=row["response_ms"],
            answered_at=parse_required_ts(row["answered_at"]),
        )


#: Posts a worker remembers for grading clicks (``QuizPosts.clicked``), per workspace.
POSTS_REMEMBERED = 1000


class QuizPosts:
    """Claim, open, close and reveal daily posts; count the answers to them."""

    def __init__(self, db: Db, team: str) -> None:
        self._db = db
        self._team = team
        self._clicked: dict[int, QuizPost] = {}

    def _posts(self, sql: str, params: list[Any] | None = None) -> list[QuizPost]:
        return [QuizPost.from_row(row) for row in self._db.rows(sql, params or [])]

    # --- posts ------------------------------------------------------------------------------

    def create_post(
        self,
        *,
        channel_id: str,
        kind: PostKind,
        slot: str | None,
        question_id: str,
        item_id: str | None,
        category: str | None,
        unless_since: datetime | None = None,
        requested_by: str | None = None,
    ) -> QuizPost | None:
        """Claim a post in a channel; None when ``slot`` was already claimed (by anyone, ever),
        or, with ``unless_since``, when a post of the same kind was claimed there since then
        (so a repeated ``daily now`` posts once)."""
        with self._db.write() as db:
            if (
                unless_since is not None
                and db.execute(
                    "SELECT 1 FROM quiz_posts WHERE team_id = ? AND channel_id = ? AND kind = ? "
                    "AND created_at >= ? AND status != 'failed'",
                    [self._team, channel_id, kind, ts(unless_since)],
                ).fetchone()
            ):
                return None
            post_id = db.insert_id(
                """
                INSERT OR IGNORE INTO quiz_posts
                    (channel_id, team_id, kind, slot, question_id, item_id, category, status,
                     created_at, requested_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'posting', ?, ?)
                """,
                [
                    channel_id,
                    self._team,
                    kind,
                    slot,
                    question_id,
                    item_id,
                    category,
                    self._db.now(),
                    requested_by,
                ],
            )
            if post_id is None:
                return None
        return self.post(post_id)

    def slot_taken(self, slot: str) -> bool:
        """True when a post already claimed ``slot``."""
        return bool(
            self._db.rows(
                "SELECT 1 FROM quiz_posts WHERE team_id = ? AND slot = ?", [self._team, slot]
            )
        )

    def mark_posted(self, post_id: int, *, message_ts: str, deadline_at: datetime) -> list[int]:
        """The post is in Slack: open it for answers until ``deadline_at``.

        One transaction closes the channel's other open post first (a UNIQUE index allows one
        open quiz per channel); returns the ids it closed, which still need revealing.
        """
        now = self._db.now()
        with self._db.write() as db:
            row = db.execute(
                "SELECT channel_id FROM quiz_posts WHERE team_id = ? AND id = ? "
                "AND status = 'posting'",
                [self._team, post_id],
            ).fetchone()
            if row is None:
                return []
            closed = [
                r[0]
                for r in db.execute(
                    "SELECT id FROM quiz_posts WHERE team_id = ? AND channel_id = ? "
                    "AND status = 'open'",
                    [self._team, row[0]],
                ).fetchall()
            ]
            db.execute(
                "UPDATE quiz_posts SET status = 'closed', closed_at = ? "
                "WHERE team_id = ? AND channel_id = ? AND status = 'open'",
                [now, self._team, row[0]],
            )
            db.execute(
                "UPDATE quiz_posts SET status = 'open', message_ts = ?, posted_at = ?, "
                "deadline_at = ?, error = NULL WHERE team_id = ? AND id = ? "
                "AND status = 'posting'",
                [message_ts, now, ts(deadline_at), self._team, post_id],
            )
        return closed

    def mark_failed(self, post_id: int, error: str | None = None) -> None:
        """Slack refused the post; it never opens (and its slot stays used: at most once)."""
        self._db.execute(
            "UPDATE quiz_posts SET status = 'failed', closed_at = ?, error = ? "
            "WHERE team_id = ? AND id = ? AND status = 'posting'",
            [self._db.now(), error, self._team, post_id],
        )

    def note_error(self, post_id: int, error: str) -> None:
        """Remember the latest reason a post is still waiting to reach Slack."""
        self._db.execute(
            "UPDATE quiz_posts SET error = ? WHERE team_id = ? AND id = ? AND status = 'posting'",
            [error, self._team, post_id],
        )

    def posts_posting(self) -> list[QuizPost]:
        """Posts claimed but not yet known to be in Slack (in flight, retrying, or a crash)."""
        return self._posts(
            "SELECT * FROM quiz_posts WHERE team_id = ? AND status = 'posting' ORDER BY id",
            [self._team],
        )

    def post(self, post_id: int) -> QuizPost | None:
        """The post with this id, or None."""
        posts = self._posts(
            "SELECT * FROM quiz_posts WHERE team_id = ? AND id = ?", [self._team, post_id]
        )
        return posts[0] if posts else None

    def clicked(self, post_id: int) -> QuizPost | None:
        """The post a click names, to grade the click: read once per worker after it is posted.

        Every click on a daily quiz read its post before its ack, though what grading needs of
        it never changes once the post is in Slack (its channel, question and ``posted_at``).
        So a posted one is remembered; its ``status`` and ``deadline_at`` may be stale and must
        not be relied on: whether it still takes answers is ``record_answer``'s one statement.
        """
        remembered = self._clicked.get(post_id)
        if remembered is not None:
            return remembered
        post = self.post(post_id)
        if post is not None and post.posted_at is not None:
            if len(self._clicked) >= POSTS_REMEMBERED:
                self._clicked.clear()
            self._clicked[post_id] = post
        return post

    def open_posts(self, channel_id: str | None = None) -> list[QuizPost]:
        """Open posts, oldest first, in one channel or everywhere."""
        where, params = ("AND channel_id = ?", [channel_id]) if channel_id else ("", [])
        return self._posts(
            f"SELECT * FROM quiz_posts WHERE team_id = ? AND status = 'open' {where} ORDER BY id",
            [self._team, *params],
        )

    def posts_to_close(self, now: datetime) -> list[QuizPost]:
        """Open posts whose deadline has passed."""
        return self._posts(
            "SELECT * FROM quiz_posts WHERE team_id = ? AND status = 'open' AND deadline_at <= ? "
            "ORDER BY id",
            [self._team, ts(now)],
        )

    def posts_to_reveal(self) -> list[QuizPost]:
        """Closed posts whose answer has not been shown yet (e.g. a crash mid-reveal)."""
        return self._posts(
            "SELECT * FROM quiz_posts WHERE team_id = ? AND status = 'closed' AND revealed = 0 "
            "ORDER BY id",
            [self._team],
        )

    def close_post(self, post_id: int) -> bool:
        """Stop accepting answers; True only for the caller that actually closed it."""
        closed = self._db.execute(
            "UPDATE quiz_posts SET status = 'closed', closed_at = ? "
            "WHERE team_id = ? AND id = ? AND status = 'open'",
            [self._db.now(), self._team, post_id],
        )
        return closed == 1

    def mark_revealed(self, post_id: int) -> None:
        """The post now shows its answer."""
        self._db.execute(
            "UPDATE quiz_posts SET revealed = 1 WHERE team_id = ? AND id = ?", [self._team, post_id]
        )

    def times_asked(self, channel_id: str) -> dict[str, int]:
        """How often each question id was posted in the channel (failed posts excluded)."""
        rows = self._db.rows(
            "SELECT question_id, COUNT(*) AS n FROM quiz_posts "
            "WHERE team_id = ? AND channel_id = ? AND status != 'failed' GROUP BY question_id",
            [self._team, channel_id],
        )
        return {row["question_id"]: int(row["n"]) for row in rows}

    def last_question(self, channel_id: str) -> str | None:
        """The question id of the channel's latest post (any status but failed)."""
        rows = self._db.rows(
            "SELECT question_id FROM quiz_posts WHERE team_id = ? AND channel_id = ? "
            "AND status != 'failed' ORDER BY id DESC LIMIT 1",
            [self._team, channel_id],
        )
        return rows[0]["question_id"] if rows else None

    # --- answers ----------------------------------------------------------------------------

    def record_answer(
        self,
        *,
        post_id: int,
        user_id: str,
        choice: str,
        correct: bool,
        points: int,
        response_ms: int | None,
    ) -> bool:
        """Count a person's answer to an open post; True only for their first, before closing.

        One statement, so no thread or process can slip between the check and the insert. A post
        still being posted counts too: Slack may deliver a click before we recorded the ts.
        """
        now = self._db.now()
        counted = self._db.execute(
            """
            INSERT OR IGNORE INTO answers
                (post_id, team_id, user_id, channel_id, question_id, category, choice, correct,
                 points, response_ms, answered_at)
            SELECT id, team_id, ?, channel_id, question_id, category, ?, ?, ?, ?, ?
            FROM quiz_posts
            WHERE team_id = ? AND id = ? AND status IN ('posting', 'open')
              AND (deadline_at IS NULL OR deadline_at > ?)
            """,
            [user_id, choice, int(correct), points, response_ms, now, self._team, post_id, now],
        )
        return counted == 1

    def answer_of(self, post_id: int, user_id: str) -> AnswerRow | None:
        """The person's counted answer to a post, or None."""
        rows = self._db.rows(
            "SELECT * FROM answers WHERE team_id = ? AND post_id = ? AND user_id = ?",
            [self._team, post_id, user_id],
        )
        return AnswerRow.from_row(rows[0]) if rows else None

    def answer_count(self, post_id: int) -> int:
        """How many people answered the post."""
        rows = self._db.rows(
            "SELECT COUNT(*) AS n FROM answers WHERE team_id = ? AND post_id = ?",
            [self._team, post_id],
        )
        return int(rows[0]["n"])

    def post_summary(self, post_id: int, first: int = 3) -> tuple[int, int, list[str]]:
        """(answers, correct answers, the first ``first`` correct answerers in order)."""
        row = self._db.rows(
            "SELECT COUNT(*) AS n, COALESCE(SUM(correct), 0) AS ok FROM answers "
            "WHERE team_id = ? AND post_id = ?",
            [self._team, post_id],
        )[0]
        firsts = self._db.rows(
            "SELECT user_id FROM answers WHERE team_id = ? AND post_id = ? AND correct = 1 "
            "ORDER BY answered_at, id LIMIT ?",
            [self._team, post_id, first],
        )
        return int(row["n"]), int(row["ok"]), [r["user_id"] for r in firsts]
