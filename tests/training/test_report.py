"""The training report on a real SQLite file filled with a quarter of synthetic activity.

Every figure is checked against counts computed here from the seed's own records (tests/
report_seed.py), not from the report's SQL.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from bot.store import DirectoryEntry, Store
from bot.terminal.report import run_report
from bot.training.export import PEOPLE_COLUMNS
from bot.training.periods import parse_period
from bot.training.report import answer_rows, build_report, current_streaks
from tests.report_seed import CHANNELS, PEOPLE, Q4_END, Q4_START, QUIET, q4_streak, seed
from tests.store.pg_server import fresh_database

NOW = datetime(2027, 1, 6, 18, tzinfo=UTC)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request, tmp_path_factory):
    """The seeded quarter on each engine: the reports' SQL must agree with the seed on both."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("report") / "ofin.db"
    else:
        path = fresh_database(request.getfixturevalue("pg_server_url"))
    store, core, truth = seed(path)
    yield path, store, core, truth
    store.close()


def in_q4(record) -> bool:
    return Q4_START <= record[5] < Q4_END


def expected_people(truth, channel: str | None = None):
    """Per person: daily, practice, correct, categories, first, last (from the truth)."""
    team = {u for u in PEOPLE if channel is None or u[1:] and CHANNELS[int(u[1:]) % 3] == channel}
    out: dict[str, dict] = {}
    for user, where, category, right, kind, when in filter(in_q4, truth.answers):
        if channel is not None and (user not in team or (kind == "daily" and where != channel)):
            continue
        p = out.setdefault(user, {"daily": 0, "practice": 0, "ok": 0, "cats": set(), "times": []})
        p[kind] += 1
        p["ok"] += right
        p["cats"].add(category)
        p["times"].append(when)
    return out


def test_quarter_report_matches_independent_counts(seeded):
    path, store, core, truth = seeded
    period = parse_period("2026-Q4", NOW)
    report = build_report(store, core.kb, period)
    expected = expected_people(truth)
    assert {p.user_id for p in report.people} == set(expected)
    assert len(report.people) == 38  # 40 people, two of them quiet all quarter
    for person in report.people:
        e = expected[person.user_id]
        assert person.daily_answered == e["daily"], person.user_id
        assert person.practice_answered == e["practice"], person.user_id
        assert person.correct == e["ok"], person.user_id
        assert person.categories_covered == len(e["cats"]), person.user_id
        assert person.first_at == min(e["times"]).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert person.last_at == max(e["times"]).strftime("%Y-%m-%dT%H:%M:%SZ")
        best = max(q4_streak(truth, person.user_id, c) for c in CHANNELS)
        assert person.streak == best, person.user_id
    assert set(report.inactive) == set(QUIET)
    assert report.members_source == "history"
    # Per category: answers, right answers and distinct people.
    per_cat: dict[str, list] = defaultdict(lambda: [0, 0, set()])
    for user, _, category, right, _, _ in filter(in_q4, truth.answers):
        per_cat[category][0] += 1
        per_cat[category][1] += right
        per_cat[category][2].add(user)
    rows = {c.category: c for c in report.categories}
    for category, (n, ok, people) in per_cat.items():
        assert (rows[category].answered, rows[category].correct) == (n, ok), category
        assert rows[category].people == len(people), category
    assert report.answered == sum(1 for _ in filter(in_q4, truth.answers))
    assert 2000 < report.answered < 3500  # the seed really made a quarter of activity
    assert any(p.streak >= 3 for p in report.people)  # streaks are exercised, not all zero


def test_channel_report_counts_only_that_team(seeded):
    path, store, core, truth = seeded
    period = parse_period("2026-Q4", NOW)
    channel = CHANNELS[1]
    report = build_report(store, core.kb, period, channel_id=channel)
    expected = expected_people(truth, channel)
    assert {
        p.user_id: (p.daily_answered, p.practice_answered, p.correct) for p in report.people
    } == {u: (e["daily"], e["practice"], e["ok"]) for u, e in expected.items()}
    assert all(CHANNELS[int(p.user_id[1:]) % 3] == channel for p in report.people)
    # With Slack's member list, the silent members are whoever is in it and did not answer.
    members = [p.user_id for p in report.people] + ["UNEW1", "UNEW2"]
    with_members = build_report(store, core.kb, period, channel_id=channel, members=members)
    assert with_members.inactive == ("UNEW1", "UNEW2")
    assert with_members.members_source == "slack"


def test_months_split_the_quarter_exactly(seeded):
    path, store, core, truth = seeded
    months = [
        build_report(store, core.kb, parse_period(m, NOW))
        for m in ("2026-10", "2026-11", "2026-12")
    ]
    quarter = build_report(store, core.kb, parse_period("2026-Q4", NOW))
    assert sum(r.answered for r in months) == quarter.answered
    assert sum(r.correct for r in months) == quarter.correct


def test_streaks_beyond_the_first_window_are_exact(seeded, monkeypatch):
    path, store, core, truth = seeded
    from bot.training import report as report_module

    wide = {u: n for u, n in current_streaks(store, Q4_END).items() if n}
    monkeypatch.setattr(report_module, "STREAK_WINDOWS", (2, 3, None))
    narrow = {u: n for u, n in current_streaks(store, Q4_END).items() if n}
    assert narrow == wide
    assert max(wide.values()) > 3  # so the narrow windows really had to be re-read


def test_csv_has_one_row_per_person_and_parses(seeded):
    path, store, core, truth = seeded
    out = io.StringIO()
    assert run_report(period_text="2026-Q4", fmt="csv", answers=False, db_path=path, out=out) == 0
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0].keys()) == PEOPLE_COLUMNS
    assert sorted(r["user_id"] for r in rows) == sorted(PEOPLE)  # everyone, once
    expected = expected_people(truth)
    for row in rows:
        if row["user_id"] in QUIET:
            assert (row["status"], row["answered"]) == ("no answers", "0")
        else:
            e = expected[row["user_id"]]
            assert int(row["answered"]) == e["daily"] + e["practice"]
            assert int(row["accuracy_pct"]) == round(100 * e["ok"] / (e["daily"] + e["practice"]))


def test_csv_answers_one_row_per_answer_with_versions(seeded):
    path, store, core, truth = seeded
    from bot.quiz.versions import record_versions

    # Versions are recorded at start-up; one from before the quarter covers every answer.
    store._db.execute("DELETE FROM question_versions")
    record_versions(store, core.kb.quiz_questions)
    store._db.execute("UPDATE question_versions SET first_seen = ?", ["2026-01-01T00:00:00"])
    out = io.StringIO()
    assert run_report(period_text="2026-Q4", fmt="csv", answers=True, db_path=path, out=out) == 0
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == sum(1 for _ in filter(in_q4, truth.answers))
    assert {r["correct"] for r in rows} == {"right", "wrong"}
    assert all(len(r["question_version"]) == 10 for r in rows)
    assert all(r["answered_at"].endswith("Z") and r["answered_at"] < "2027" for r in rows)
    daily = [r for r in rows if r["kind"] == "daily"]
    assert {r["channel_id"] for r in daily} == set(CHANNELS)


def test_json_totals(seeded):
    path, store, core, truth = seeded
    out = io.StringIO()
    assert run_report(period_text="2026-Q4", fmt="json", answers=False, db_path=path, out=out) == 0
    data = json.loads(out.getvalue())
    assert data["period"]["label"] == "2026-Q4"
    assert data["totals"]["answered"] == sum(1 for _ in filter(in_q4, truth.answers))
    assert sorted(data["no_answers"]) == sorted(QUIET)
    assert data["forgotten_people"] == 0


def test_forgotten_people_leave_every_report(tmp_path):
    store, core, truth = seed(tmp_path / "ofin.db", seed=11)
    period = parse_period("2026-Q4", NOW)
    gone = "U001"
    assert gone in {p.user_id for p in build_report(store, core.kb, period).people}
    store.people.forget_user(gone)
    store.people.forget_user(gone)  # asking twice is one person
    # They practise again afterwards: still left out of every figure.
    from bot.quiz.practice import answer_practice, ask_practice

    store.clock.set(datetime(2026, 12, 30, 12, tzinfo=UTC))
    asked = ask_practice(store, core.kb, gone)
    assert answer_practice(store, core.kb, gone, asked.prompt_id, 0).counted
    report = build_report(store, core.kb, period, channel_id=CHANNELS[1], members=[gone, "UX"])
    assert gone not in {p.user_id for p in report.people}
    assert report.inactive == ("UX",)  # still in the channel, but never listed again
    assert report.forgotten == 1
    assert report.answered == sum(c.answered for c in report.categories)  # consistent figures
    assert all(r["user_id"] != gone for r in answer_rows(store, period))
    store.close()


def test_missing_database_and_bad_period(tmp_path, capsys, seeded):
    assert (
        run_report(period_text="2026-Q4", fmt="csv", answers=False, db_path=tmp_path / "x.db") == 1
    )
    path = seeded[0]
    assert run_report(period_text="2026-Q5", fmt="csv", answers=False, db_path=path) == 2
    assert "is not a period" in capsys.readouterr().err


def test_an_unknown_channel_is_an_error_not_an_empty_report(seeded, capsys):
    path = seeded[0]
    out = io.StringIO()
    status = run_report(
        period_text="2026-Q4", fmt="csv", answers=False, channel_id="CTYPO00001", db_path=path,
        out=out,
    )  # fmt: skip
    assert status == 2
    assert out.getvalue() == ""
    assert "no channel CTYPO00001 in this database" in capsys.readouterr().err
    known = run_report(
        period_text="2026-Q4", fmt="csv", answers=False, channel_id=CHANNELS[0], db_path=path,
        out=io.StringIO(),
    )  # fmt: skip
    assert known == 0


def test_cached_names_and_emails_reach_the_csv_and_the_page(seeded):
    path = seeded[0]
    store = Store(path, clock=FakeClock(datetime(2027, 1, 6, tzinfo=UTC)))
    store.directory.save(
        [
            DirectoryEntry("U001", "Ada Lovelace", "Ada Lovelace", "ada@example.com", True,
                           store.clock.now()),
        ]
    )  # fmt: skip
    store.close()
    out = io.StringIO()
    assert run_report(period_text="2026-Q4", fmt="csv", answers=False, db_path=path, out=out) == 0
    rows = {r["user_id"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert (rows["U001"]["name"], rows["U001"]["email"]) == ("Ada Lovelace", "ada@example.com")
    assert rows["U002"]["name"] == ""  # never fetched: the id alone
    page = io.StringIO()
    run_report(period_text="2026-Q4", fmt="html", answers=True, chart=False, db_path=path, out=page)
    assert "Ada Lovelace (U001)" in page.getvalue()  # the per-person answers heading
    assert "Names from Slack as of 2027-01-06 00:00 UTC (1 of" in page.getvalue()
