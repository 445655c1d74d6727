"""The repositories' SQLite text as PostgreSQL reads it (bot/store/dialect.py), rule by rule."""

from __future__ import annotations

import pytest

from bot.store.dialect import UPDATE_OR_IGNORE, to_postgres


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = %s AND b = %s"),
        ("SELECT * FROM t WHERE a = :team", "SELECT * FROM t WHERE a = %(team)s"),
        ("SELECT CAST(x AS json)::text FROM t", "SELECT CAST(x AS json)::text FROM t"),
        (
            "INSERT OR IGNORE INTO claims (key) VALUES (?)",
            "INSERT INTO claims (key) VALUES (%s) ON CONFLICT DO NOTHING",
        ),
        (
            "INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING id",
            "INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING RETURNING id",
        ),
        ("DELETE FROM [answers] WHERE [user_id] = ?", 'DELETE FROM "answers" WHERE "user_id" = %s'),
        ("SELECT a FROM answers INDEXED BY idx_x WHERE b", "SELECT a FROM answers WHERE b"),
        (
            "a IN (SELECT value FROM json_each(:members))",
            "a IN (SELECT value FROM json_array_elements_text(CAST(%(members)s AS json)))",
        ),
        (
            "CAST(julianday(b.at) - julianday(a.at) AS INTEGER) AS days",
            "CAST(TRUNC(EXTRACT(EPOCH FROM CAST(b.at AS timestamptz) - CAST(a.at AS timestamptz))"
            " / 86400) AS INTEGER) AS days",
        ),
        # Quoted text is never rewritten; psycopg's % is escaped everywhere.
        (
            "SELECT '?:x [y]' WHERE k LIKE 'p%' AND v = ?",
            "SELECT '?:x [y]' WHERE k LIKE 'p%%' AND v = %s",
        ),
        ("SELECT 'it''s ?' , ?", "SELECT 'it''s ?' , %s"),
    ],
)
def test_each_sqlite_spelling_has_its_postgres_one(sqlite: str, postgres: str) -> None:
    assert to_postgres(sqlite) == postgres


def test_update_or_ignore_is_recognised_for_the_row_by_row_path() -> None:
    match = UPDATE_OR_IGNORE.match("UPDATE OR IGNORE [users] SET team_id = ? WHERE team_id = ''")
    assert match is not None
    assert match.groups() == ("[users]", "team_id = ?", "team_id = ''")
    assert UPDATE_OR_IGNORE.match("UPDATE users SET a = 1 WHERE b = 2") is None
