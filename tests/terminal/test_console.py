"""The local console: lines in, readable text out, through the same commands as /ofin."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.kb.loader import load
from bot.terminal.console import Console
from bot.wiring import build_core

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def kb():
    return load()


@pytest.fixture
def console(kb, tmp_path) -> Console:
    return Console(build_core(Settings(db_path=tmp_path / "ofin.db"), kb))


def run(console: Console, *lines: str) -> str:
    out = io.StringIO()
    assert console.run(io.StringIO("".join(f"{line}\n" for line in lines)), out) == 0
    return out.getvalue()


def test_question_prints_owner_title_note_source_and_confidence(console):
    text = run(console, "who patches the guest OS on my EC2 instance?")
    lines = text.splitlines()
    assert lines[0] == "You — security IN the cloud"
    assert lines[1].startswith("Patching the guest operating system  (Amazon EC2, confidence ")
    assert "On Amazon EC2:" in text
    assert "Source: https://docs.aws.amazon.com/" in text


def test_help_lists_commands_including_admin_ones(console):
    text = run(console, "help")
    assert "stack <service>" in text
    assert "unanswered [N]" in text and "(admins)" in text
    assert "quit" in text


def test_stack_prints_layers_top_to_bottom_with_owners(console):
    lines = run(console, "stack ec2").strip().splitlines()
    assert lines[0].startswith("Responsibility stack: Amazon EC2")
    os_line = next(line for line in lines if "operating system" in line.lower())
    assert " You" in os_line and " AWS" not in os_line
    assert "AWS" in lines[-1] and "data center" in lines[-1].lower()


def test_declined_then_unanswered_as_the_console_admin(console):
    text = run(console, "tell me a joke", "tell me a joke", "unanswered")
    assert "I don't have an answer for that" in text
    assert "1. tell me a joke  (x2)" in text


def test_did_you_mean_takes_a_number(console, kb):
    from bot.answer.matcher import Matcher

    matcher = Matcher(kb)
    question = next(
        (
            q
            for q in (
                "who handles the thing under the hood",
                "who runs the show",
                "write me a poem",
                "kms?",  # a bare service name: that service's items
            )
            if matcher.ask(q).declined_because == "unsure" and matcher.ask(q).suggestions
        ),
        None,
    )
    if question is None:
        pytest.fail("no candidate question gets suggestions any more")
    first = matcher.ask(question).suggestions[0]
    text = run(console, question, "1")
    assert "Did you mean:" in text
    assert f"  1. {first.title}" in text
    after = text.split("Type a number to pick one, or ask again.")[1]
    assert first.title in after
    assert any(badge in after for badge in ("You — security IN", "AWS — security OF", "Shared —"))


def test_a_number_without_a_pending_list_is_just_a_question(console):
    assert "I don't have an answer" in run(console, "2")


def test_quit_stops_and_blank_lines_are_skipped(console):
    text = run(console, "", "quit", "help")
    assert text == ""


def test_unknown_service(console):
    text = run(console, "stack mainframe")
    assert 'I don\'t know a service called "mainframe".' in text
    assert "ec2" in text


def run_bot(cwd, db: str, stdin: str) -> subprocess.CompletedProcess:
    """`python -m bot` with no Slack settings, OFIN_DB=db, and ``stdin`` piped in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OFIN_"))}
    env.update(PYTHONPATH=str(ROOT), OFIN_DB=db)
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
    )


def test_piped_stdin_with_no_slack_settings_starts_the_console(tmp_path):
    done = run_bot(
        tmp_path, str(tmp_path / "ofin.db"), "who patches the hypervisor?\nstack lambda\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("AWS — security OF the cloud\n")
    assert "Responsibility stack: AWS Lambda" in done.stdout
    assert (tmp_path / "ofin.db").exists()


def test_an_unusable_database_path_is_one_clear_line(tmp_path):
    done = run_bot(tmp_path, str(tmp_path), "help\n")  # OFIN_DB is a folder, not a file
    assert done.returncode == 2
    assert "cannot open the database at" in done.stderr and "OFIN_DB" in done.stderr
    assert "Traceback" not in done.stderr


def words(text: str) -> list[str]:
    return text.split()


def test_notes_the_matrix_suggests_work_in_the_console(console):
    plain = run(console, "matrix ec2 rds")
    assert "Add --notes" in plain
    assert "Notes and sources:" not in plain
    noted = run(console, "matrix ec2 rds --notes")
    assert "Notes and sources:" in noted
    assert "I don't know a service" not in noted
    assert "Add --notes" not in noted
    assert noted.startswith("Responsibility matrix: Amazon EC2, Amazon RDS")
    assert "Notes and sources:" not in run(console, "matrix ec2 rds")  # one line's option only


@pytest.mark.parametrize("width", [60, 110])
def test_output_wraps_at_the_terminal_width_between_words(kb, tmp_path, width):
    core = build_core(Settings(db_path=tmp_path / "ofin.db"), kb)
    lines = ("help", "matrix ec2 rds lambda --notes", "stack rds", "who patches the hypervisor?")
    narrow = run(Console(core, width=width), *lines)
    wide = run(Console(core, width=10_000), *lines)
    assert words(narrow) == words(wide)  # the same words, none cut in two
    for line in narrow.splitlines():
        assert len(line) <= width or " " not in line.strip()  # only a lone URL may stick out
    assert max(len(line) for line in wide.splitlines()) > width  # so wrapping really happened


def test_help_says_what_works_here_and_what_only_in_slack(console):
    text = run(console, "help")
    here, _, slack = text.partition("In Slack only")
    assert "stack <service>" in here and "matrix … --notes" in here
    for name in ("daily", "digest", "campaign", "remind"):
        assert name in slack
        assert f"\n  {name}" not in here  # not listed as if it worked here


def test_a_slack_only_command_says_so_and_does_nothing(console):
    text = run(console, "daily on 09:00")
    assert "daily works in Slack only" in text
    assert console.core.store.schedules.enabled() == []
    assert "Posted" not in run(console, "digest now")
    # A question that starts with the word is still a question.
    assert "Slack only" not in run(console, "daily backups for RDS: whose job?")


def test_the_console_works_in_the_workspace_ofin_team_names(kb, tmp_path, monkeypatch):
    from bot.terminal.console import run_console

    settings = Settings(db_path=tmp_path / "ofin.db")
    monkeypatch.setenv("OFIN_TEAM", "T0ONE")
    out = io.StringIO()
    assert run_console(io.StringIO("tell me a joke\n"), out, prepared=(settings, kb)) == 0
    monkeypatch.setenv("OFIN_TEAM", "T0TWO")
    out = io.StringIO()
    assert run_console(io.StringIO("unanswered\n"), out, prepared=(settings, kb)) == 0
    assert "tell me a joke" not in out.getvalue()  # T0ONE's, not T0TWO's
    monkeypatch.setenv("OFIN_TEAM", "T0ONE")
    out = io.StringIO()
    assert run_console(io.StringIO("unanswered\n"), out, prepared=(settings, kb)) == 0
    assert "tell me a joke" in out.getvalue()
