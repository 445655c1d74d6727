"""The Slack-free dispatcher: routing, the subcommand table, admin refusals, declined logging."""

from __future__ import annotations

import pytest

from bot.commands.builtin import answer_for_item
from bot.commands.core import Caller, Profile, subcommand
from bot.commands.dispatch import TABLE, dispatch, help_result
from bot.commands.results import (
    AnswerResult,
    HelpResult,
    Notice,
    StackResult,
    UnansweredResult,
    UnknownServiceResult,
)
from bot.config import Settings
from bot.kb.loader import load
from bot.wiring import build_core


@pytest.fixture(scope="module")
def kb():
    return load()


@pytest.fixture
def core(kb, tmp_path):
    return build_core(Settings(db_path=tmp_path / "ofin.db"), kb)


def member(**kw) -> Caller:
    return Caller("UMEMBER", channel_id="C1", is_admin=False, **kw)


ADMIN = Caller("UADMIN", channel_id="C1", is_admin=True)


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "help stack"])
def test_help(core, text):
    result = dispatch(core, member(), text)
    assert isinstance(result, HelpResult)
    usages = [e.usage for e in result.entries]
    assert usages[:2] == ["<question>", "help"]
    assert "stack <service>" in usages
    assert [e.admin for e in result.entries if e.usage.startswith("unanswered")] == [True]
    assert all(not e.admin for e in result.entries[: usages.index("stack <service>")])


def test_help_followed_by_words_is_a_question(core):
    result = dispatch(core, member(), "help me encrypt my S3 bucket")
    assert isinstance(result, AnswerResult)


def test_question_is_answered(core):
    result = dispatch(core, member(), "who patches the guest OS on EC2?")
    assert isinstance(result, AnswerResult)
    assert result.answer.owner == "customer"
    assert core.store.declined.top_declined() == []  # answered questions are not logged


def test_declined_question_is_logged_with_who_and_where(core):
    result = dispatch(core, member(), "tell me a joke")
    assert not result.answer.answered
    assert core.store.declined.top_declined() == [("tell me a joke", 1)]
    rows = list(core.store.db.query("SELECT user_id, channel_id FROM declined"))
    assert rows == [{"user_id": "UMEMBER", "channel_id": "C1"}]


@pytest.mark.parametrize(
    ("text", "service_id"),
    [
        ("stack ec2", "ec2"),
        ("stack EC2", "ec2"),
        ("stack  Amazon RDS", "rds"),
        ("stack my lambda", "lambda"),
    ],
)
def test_stack_finds_the_service(core, text, service_id):
    result = dispatch(core, member(), text)
    assert isinstance(result, StackResult)
    assert result.service.id == service_id


@pytest.mark.parametrize("text", ["stack mainframe", "stack"])
def test_stack_unknown_lists_known_services_sorted(core, text):
    result = dispatch(core, member(), text)
    assert isinstance(result, UnknownServiceResult)
    ids = [s.id for s in result.known]
    assert ids == sorted(ids) and "ec2" in ids and "s3" in ids


def test_unanswered_is_for_admins(core):
    for q in ("what is the weather", "what is the weather", "tell me a joke"):
        dispatch(core, member(), q)
    refused = dispatch(core, member(), "unanswered")
    assert isinstance(refused, Notice) and refused.kind == "refusal"
    assert "admins only" in refused.text
    listed = dispatch(core, ADMIN, "unanswered")
    assert isinstance(listed, UnansweredResult)
    assert listed.rows == (("what is the weather", 2), ("tell me a joke", 1))
    assert dispatch(core, ADMIN, "unanswered 1").rows == (("what is the weather", 2),)
    assert dispatch(core, ADMIN, "unanswered 0").rows == (("what is the weather", 2),)


def test_admin_rights_are_looked_up_lazily_once(core):
    lookups = []

    def profile():
        lookups.append(1)
        return Profile(is_admin=True, tz="Europe/Paris")

    caller = Caller("U1", profile=profile)
    dispatch(core, caller, "who patches the hypervisor?")
    assert lookups == []  # a question needs no lookup
    assert isinstance(dispatch(core, caller, "unanswered"), UnansweredResult)
    assert caller.tz == "Europe/Paris"
    assert lookups == [1]


def test_a_caller_without_profile_is_not_admin():
    caller = Caller("U1")
    assert caller.is_admin is False and caller.tz is None
    with pytest.raises(ValueError):
        Caller("U1", surface="fax")


def test_a_subcommand_in_the_table_gets_core_caller_and_args(core):
    seen = []

    @subcommand("echo", help="Echo.", usage="echo <text>")
    def echo(core_, caller, args):
        seen.append((core_, caller.user_id, args))
        return Notice(args)

    table = {**TABLE, echo.name: echo}
    result = dispatch(core, member(), "Echo   hello   world ", table)
    assert result == Notice("hello world")
    assert seen == [(core, "UMEMBER", "hello world")]
    assert "echo <text>" in [e.usage for e in help_result(table).entries]
    assert isinstance(dispatch(core, member(), "echo hello"), AnswerResult)  # not in TABLE


def test_accepts_predicate_sends_other_text_to_the_engine(core):
    @subcommand("weekly", help="Weekly.", admin=True, accepts=lambda a: a in ("on", "off"))
    def weekly(core_, caller, args):
        return Notice(f"weekly {args}")

    table = {**TABLE, weekly.name: weekly}
    assert dispatch(core, ADMIN, "weekly on", table) == Notice("weekly on")
    assert isinstance(dispatch(core, member(), "weekly backups of rds", table), AnswerResult)
    assert dispatch(core, member(), "weekly off", table).kind == "refusal"


def test_subcommand_names_are_single_words():
    with pytest.raises(ValueError):
        subcommand("two words", help="x")


def test_the_table_has_every_subcommand_under_its_own_name():
    assert sorted(TABLE) == sorted(
        [
            "help",
            "stack",
            "unanswered",
            "quiz",
            "daily",
            "leaderboard",
            "stats",
            "forget",
            "matrix",
            "duties",
            "report",
            "digest",
            "campaign",
            "remind",
        ]
    )
    assert all(name == sub.name for name, sub in TABLE.items())


def test_answer_for_item_rebuilds_the_service_specific_answer(core):
    answer = answer_for_item(core, "guest-os-patching", "rds", "who patches rds?", 77)
    item = core.kb.item("guest-os-patching")
    assert answer.owner == item.owner_for("rds")
    assert answer.note == item.note_for("rds")
    assert answer.service.id == "rds" and answer.confidence == 77 and answer.answered
    assert answer_for_item(core, "no-such-item", None, "q") is None
    assert answer_for_item(core, "hypervisor", "no-such-service", "q").service is None
