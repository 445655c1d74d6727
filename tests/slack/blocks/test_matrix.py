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
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    assert body["blocks"][-1]["type"] == "actions"  # Download survives the cut
    assert "…and" in json.dumps(body, ensure_ascii=False)  # duties beyond the room are listed


def test_a_few_services_get_a_line_per_area_and_a_notes_button():
    body = message(["ec2", "lambda"])
    areas = [b for b in body["blocks"] if b.get("accessory", {}).get("type") == "button"]
    assert len(areas) == 10
    patching = next(a for a in areas if "patching" in a["text"]["text"])
    assert patching["text"]["text"].endswith(":bust_in_silhouette: You: EC2 · :cloud: AWS: Lambda")
    services, area, stack = matrix_blocks.decode_notes(patching["accessory"]["value"])
    assert (services, area, stack) == (["ec2", "lambda"], "patching", None)
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
    assert f"• and {30 - matrix_blocks.MAX_UNKNOWN_SHOWN} more" in section
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


# A 10- and a 15-service stack, as teams run them (issue 20: under 6,000 characters of text and
# 50 blocks each, no note line repeated, every block valid for Slack).
TEN = ["ec2", "rds", "lambda", "s3", "eks", "dynamodb", "ecs", "fargate", "elastic-beanstalk",
       "cloudfront"]  # fmt: skip
FIFTEEN = [*TEN, "sqs", "sns", "api-gateway", "aurora", "efs"]
TEXT_KEYS_SKIPPED = ("value", "action_id", "block_id", "url", "type")


def visible_texts(node) -> list[str]:
    """Every piece of text a person reads in the blocks (not button values or ids)."""
    if isinstance(node, dict):
        found = []
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            elif key not in TEXT_KEYS_SKIPPED:
                found += visible_texts(value)
        return found
    if isinstance(node, list):
        return [t for item in node for t in visible_texts(item)]
    return []


def all_notes(ids) -> set[str]:
    result = MatrixResult(build_matrix(KB, [KB.service(i) for i in ids]))
    return {c["note"] for a in matrix_data(result)["areas"] for c in a["cells"] if c["note"]}


@pytest.mark.parametrize("ids", [TEN, FIFTEEN], ids=["10 services", "15 services"])
def test_a_big_stack_fits_a_screen(ids):
    from slack_sdk.models.blocks import Block

    assert all(KB.service(i) is not None for i in ids)
    body = message(ids)
    texts = visible_texts(body["blocks"])
    assert sum(map(len, texts)) < 6_000
    assert len(body["blocks"]) < 50
    lines = [line for t in texts for line in t.split("\n") if len(line) > 40]
    assert len(lines) == len(set(lines))  # no line said twice
    shown = "\n".join(texts)
    assert not any(note in shown for note in all_notes(ids))  # notes wait for the button
    for block in body["blocks"]:
        assert Block.parse(block) is not None
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        for element in block.get("elements", []) + [block.get("accessory") or {}]:
            assert len(element.get("value", "")) <= 2000


@pytest.mark.parametrize("ids", [TEN, FIFTEEN], ids=["10 services", "15 services"])
def test_an_areas_notes_say_each_note_once_with_its_services(ids):
    from slack_sdk.models.blocks import Block

    result = MatrixResult(build_matrix(KB, [KB.service(i) for i in ids]))
    data = matrix_data(result)
    for area in data["areas"]:
        notes = matrix_blocks.notes_message(area)
        assert all(Block.parse(b) is not None for b in notes["blocks"])
        lines = [ln for b in notes["blocks"] for ln in b["text"]["text"].split("\n")][1:]
        assert len(lines) == len(set(lines))
        distinct = {(c["owner"], c["note"]) for c in area["cells"]}
        assert len(lines) == len(distinct)  # one line per distinct note, none lost
        shown = "\n".join(lines)
        assert all(f"{c['short']}" in shown for c in area["cells"])


def test_owners_are_grouped_and_a_big_majority_is_said_as_all_but():
    area = {
        "name": "Backups",
        "cells": [{"short": s, "owner": "customer"} for s in "ABCDEFGH"]
        + [{"short": "RDS", "owner": "shared"}],
    }
    assert matrix_blocks.area_line(area) == (
        "*Backups*\n:bust_in_silhouette: You: all but RDS · :handshake: Shared: RDS"
    )
    same = {"name": "Data", "cells": [{"short": s, "owner": "customer"} for s in "ABC"]}
    assert matrix_blocks.area_line(same).endswith("You: all 3")
    split = {
        "name": "Patching",
        "cells": [
            {"short": "EC2", "owner": "customer"},
            {"short": "RDS", "owner": "aws"},
            {"short": "S3", "owner": "aws"},
        ],
    }
    assert matrix_blocks.area_line(split).endswith("You: EC2 · :cloud: AWS: RDS, S3")


def test_a_forged_notes_value_is_refused():
    for forged in ("[]", '{"s": [], "a": 3}', "{", "x" * 3000):
        with pytest.raises(ValueError):
            matrix_blocks.decode_notes(forged)
