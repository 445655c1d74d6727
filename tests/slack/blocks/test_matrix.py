"""The matrix's Block Kit builders, as plain dicts."""

from __future__ import annotations

import json

import pytest

from bot.commands.matrix import MatrixResult, TemplateSummary
from bot.kb.loader import load
from bot.matrix.matrix import build_matrix
from bot.slack.blocks import matrix as matrix_blocks
from bot.slack.render import matrix_data

KB = load()


def message(ids, **kwargs) -> dict:
    services = [KB.service(i) for i in ids] if ids else list(KB.services)
    result = MatrixResult(build_matrix(KB, services), **kwargs)
    return matrix_blocks.matrix_message(matrix_data(result, assignable=result.can_assign))


def test_every_service_at_once_stays_within_slacks_limits():
    body = message(None, stack="everything", can_assign=True)
    assert len(body["blocks"]) <= matrix_blocks.MAX_BLOCKS
    for block in body["blocks"]:
        assert len(block.get("fields", [])) <= matrix_blocks.MAX_FIELDS
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    assert body["blocks"][-1]["type"] == "actions"  # Download survives the cut
    assert "…and" in json.dumps(body, ensure_ascii=False)  # duties beyond the room are listed


def test_a_few_services_get_a_field_each_with_note_and_source():
    body = message(["ec2", "lambda"])
    area = next(b for b in body["blocks"] if b.get("fields"))
    assert [f["text"].split()[0] for f in area["fields"]] == ["*EC2*", "*Lambda*"]
    assert "|docs>" in area["fields"][0]["text"]
    hint = json.dumps(body["blocks"][-1])
    assert "/ofin matrix save NAME ec2 lambda" in hint


def test_a_saved_stack_gets_a_people_picker_per_duty_for_whoever_may_assign():
    owners = {"patching:guest-os-patching": "UDANA"}
    body = message(["ec2"], stack="payments", can_assign=True, owners=owners)
    rows = [b for b in body["blocks"] if b.get("accessory", {}).get("type") == "users_select"]
    assert rows and all(r["accessory"]["action_id"] == matrix_blocks.ACTION_ASSIGN for r in rows)
    patch = next(r for r in rows if "Patching the guest" in r["text"]["text"])
    assert patch["accessory"]["initial_user"] == "UDANA"
    assert matrix_blocks.parse_duty_block_id(patch["block_id"]) == (
        "payments",
        "patching:guest-os-patching",
    )
    read_only = message(["ec2"], stack="payments", can_assign=False, owners=owners)
    assert "users_select" not in json.dumps(read_only)
    assert "<@UDANA>" in json.dumps(read_only)


def test_template_summary_lists_unknown_types_escaped():
    summary = TemplateSummary("web.yaml: 12 resources", ("AWS::Logs::LogGroup", "<!channel>"))
    body = message(["s3"], template=summary)
    text = json.dumps(body)
    assert "Not in ofin's knowledge yet: 2 types" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_template_summary_lists_apart_types_modules_not_read_and_the_route():
    summary = TemplateSummary(
        "main.tf (Terraform): 3 resources",
        apart=("random_password: Terraform's random provider",),
        modules=tuple(f"module.m{i} (acme/m{i}/aws): a registry module" for i in range(30)),
        complete_answer="For the complete list, run `terraform show -json plan.out > plan.json`",
    )
    body = message(["s3"], template=summary)
    section = body["blocks"][1]["text"]["text"]
    assert "No AWS service, listed apart: random_password" in section
    assert "*Not read: 30 modules*" in section and "• module.m0 (acme/m0/aws)" in section
    assert "plan.out &gt; plan.json" in section and len(section) <= 3000


@pytest.mark.parametrize("value", ["", "[]", '{"s": 3}', "nope"])
def test_a_download_value_not_ours_is_refused(value):
    with pytest.raises(ValueError):
        matrix_blocks.decode_download(value)


def test_download_value_round_trips():
    value = matrix_blocks.encode_download(["ec2", "rds"], "payments")
    assert matrix_blocks.decode_download(value) == (["ec2", "rds"], "payments")


@pytest.mark.parametrize("block_id", ["ofin_duty|", "ofin_duty|stack", "other|a|b"])
def test_a_block_id_not_a_duty_row_is_refused(block_id):
    with pytest.raises(ValueError):
        matrix_blocks.parse_duty_block_id(block_id)
