"""Saved stacks and duty owners through the Slack-free commands, on a real SQLite file."""

from __future__ import annotations

import pytest

from bot.commands.core import Caller
from bot.commands.dispatch import dispatch
from bot.commands.matrix import (
    DutiesResult,
    MatrixResult,
    UnknownServicesResult,
    assign_duty,
    matrix_for_template,
)
from bot.commands.results import Notice
from bot.config import Settings
from bot.kb.loader import load
from bot.wiring import build_core

KB = load()


@pytest.fixture
def core(tmp_path):
    core = build_core(Settings(db_path=tmp_path / "ofin.db"), KB)
    core.store.adopt_workspace("T1")  # the workspace of who()'s callers
    yield core
    core.store.close()


def who(user: str, team: str = "T1", admin: bool = False) -> Caller:
    return Caller(user, team_id=team, is_admin=admin)


def run(core, caller: Caller, text: str):
    return dispatch(core.for_team(caller.team_id or ""), caller, text)


def test_the_stack_tables_have_the_pinned_columns(core):
    assert "m010_create_stacks" in core.store.applied_migrations()
    assert set(core.store.db["stacks"].columns_dict) == {
        "team_id",
        "name",
        "services",
        "saved_by",
        "saved_at",
        "updated_at",
    }
    assert set(core.store.db["duty_owners"].columns_dict) == {
        "team_id",
        "stack",
        "duty",
        "owner_id",
        "assigned_by",
        "assigned_at",
    }


def test_save_show_assign_and_duties(core):
    saved = run(core, who("ULEAD"), "matrix save Payments ec2 rds")
    assert isinstance(saved, MatrixResult) and saved.stack == "payments" and saved.can_assign
    notice = assign_duty(core, who("ULEAD"), "payments", "patching:guest-os-patching", "UDANA")
    assert notice.kind == "info"
    shown = run(core, who("UOTHER"), "matrix show payments")
    assert shown.owners == {"patching:guest-os-patching": "UDANA"} and not shown.can_assign
    duties = run(core, who("UDANA"), "duties")
    assert isinstance(duties, DutiesResult)
    assert [(r.stack, r.text) for r in duties.rows] == [
        ("payments", "Patching the guest operating system — EC2")
    ]
    # another workspace has its own stacks of the same name
    assert isinstance(run(core, who("UDANA", team="T2"), "matrix show payments"), Notice)
    assert run(core, who("UDANA", team="T2"), "duties").rows == ()


def test_only_the_saver_and_admins_change_a_stack(core):
    run(core, who("ULEAD"), "matrix save web ec2")
    refused = run(core, who("UOTHER"), "matrix save web s3")
    assert isinstance(refused, Notice) and refused.kind == "refusal"
    assert run(core, who("ULEAD"), "matrix show web").matrix.services[0].id == "ec2"
    key = "patching:guest-os-patching"
    assert assign_duty(core, who("UOTHER"), "web", key, "UOTHER").kind == "refusal"
    assert assign_duty(core, who("UADMIN", admin=True), "web", key, "UOPS").kind == "info"
    resaved = run(core, who("UADMIN", admin=True), "matrix save web ec2 lambda")
    assert [s.id for s in resaved.matrix.services] == ["ec2", "lambda"]
    assert resaved.owners == {key: "UOPS"}  # a re-save keeps the owners


def test_a_duty_not_in_the_stack_cannot_be_assigned(core):
    run(core, who("ULEAD"), "matrix save serverless lambda s3")
    notice = assign_duty(core, who("ULEAD"), "serverless", "patching:guest-os-patching", "U1")
    assert notice.kind == "error" and "no longer part of serverless" in notice.text
    assert assign_duty(core, who("ULEAD"), "gone", "data:data-classification", "U1").kind == "error"


@pytest.mark.parametrize(
    "text", ["matrix save", "matrix save x!y ec2", "matrix save name", "matrix save name sqsq"]
)
def test_bad_saves_store_nothing(core, text):
    result = run(core, who("ULEAD"), text)
    assert isinstance(result, Notice | UnknownServicesResult)
    assert core.store.db["stacks"].count == 0


def test_forget_me_drops_owned_duties_and_the_savers_name(core):
    run(core, who("ULEAD"), "matrix save web ec2")
    assign_duty(core, who("ULEAD"), "web", "patching:guest-os-patching", "ULEAD")
    core.store.people.forget_user("ULEAD")
    shown = run(core, who("UOTHER"), "matrix show web")
    assert shown.owners == {}
    assert core.store.db["stacks"].get(("T1", "web"))["saved_by"] is None
    assert run(core, who("ULEAD"), "matrix save web s3").kind == "refusal"  # admins only now


def test_a_template_with_nothing_mappable_says_so(core):
    result = matrix_for_template(
        core, "t.yaml", b"Resources:\n  L:\n    Type: AWS::GameLift::Fleet\n"
    )
    assert isinstance(result, Notice)
    assert "no resource ofin can map" in result.text and "AWS::GameLift::Fleet" in result.text
    broken = matrix_for_template(core, "t.yaml", b"Resources: [\n")
    assert broken.text.startswith("I could not read that template. t.yaml:")


def test_the_console_lists_duties(core, tmp_path):
    import io

    from bot.terminal.console import Console

    console = Console(core)
    out = io.StringIO()
    console.run(io.StringIO("matrix save web ec2\nduties\nmatrix show\n"), out)
    text = out.getvalue()
    assert "Stack web: Amazon EC2" in text
    assert "You own no duties yet." in text
    assert "Saved stacks: web." in text
