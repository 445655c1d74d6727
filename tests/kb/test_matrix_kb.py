"""kb check on the matrix data: areas cover every service; services' area maps, resource types."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.kb.loader import DEFAULT_DIR, load
from bot.kb.model import KnowledgeError

NEW_SERVICE = """\
services:
  - id: newsvc
    name: Amazon Newsvc
    model: container
    sources: [https://docs.aws.amazon.com/newsvc/latest/developerguide/security.html]
    stack:
      - {layer: Your indexes, owner: customer}
"""


@pytest.fixture
def kb_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def problems(kb_dir: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load(kb_dir)
    return [str(p) for p in caught.value.problems]


def test_a_new_service_without_area_owners_is_reported_at_the_service_once_per_area(kb_dir):
    (kb_dir / "services" / "zz.yaml").write_text(NEW_SERVICE)
    found = problems(kb_dir)
    assert len(found) == 4  # patching, network, encryption, capacity have no default
    assert all(p.startswith("knowledge/services/zz.yaml:2: area '") for p in found)
    assert any("area 'patching' has no owner for service 'newsvc'" in p for p in found)


def test_naming_an_item_in_the_services_areas_map_fills_the_area(kb_dir):
    (kb_dir / "services" / "zz.yaml").write_text(
        NEW_SERVICE + "    areas:\n      patching: foundation-services-software\n"
        "      network: security-groups\n"
    )
    found = problems(kb_dir)
    assert len(found) == 2
    assert not any("'patching'" in p or "'network'" in p for p in found)
    (kb_dir / "services" / "zz.yaml").write_text(
        NEW_SERVICE + "    areas:\n      patching: foundation-services-software\n"
        "      network: security-groups\n      encryption: server-side-encryption\n"
        "      capacity: serverless-infrastructure\n"
    )
    kb = load(kb_dir)
    patching = next(area for area in kb.areas if area.id == "patching")
    assert patching.for_service["newsvc"] == "foundation-services-software"
    assert patching.for_service["ec2"] == "guest-os-patching"


def test_an_unknown_item_or_area_is_reported(kb_dir):
    edit(
        kb_dir / "areas.yaml",
        "    default: data-classification",
        "    default: data-clasification",
    )
    edit(
        kb_dir / "services" / "core.yaml",
        "      patching: guest-os-patching",
        "      patchng: guest-os-patchng",
    )
    found = problems(kb_dir)
    assert any(
        p.startswith("knowledge/areas.yaml:")
        and "unknown item 'data-clasification' (did you mean 'data-classification'?)" in p
        for p in found
    )
    assert any(
        p.startswith("knowledge/services/core.yaml:")
        and "unknown area 'patchng' (did you mean 'patching'?)" in p
        for p in found
    )
    assert any(
        "unknown item 'guest-os-patchng' (did you mean 'guest-os-patching'?)" in p for p in found
    )


def test_resource_types_are_checked(kb_dir):
    edit(
        kb_dir / "services" / "core.yaml",
        "      cloudformation: [AWS::DynamoDB::*, AWS::Serverless::SimpleTable]",
        "      cloudformation: [AWS::DynamoDB::*, AWS::S3::*, aws_s3_bucket]",
    )
    edit(
        kb_dir / "services" / "core.yaml",
        "      terraform: [aws_ecr_*]",
        "      terraformm: [aws_ecr_*]",
    )
    found = problems(kb_dir)
    assert any(
        "resource type 'AWS::S3::*' is listed twice (first for 'dynamodb'" in p for p in found
    )
    assert any("'aws_s3_bucket' is not a cloudformation resource type" in p for p in found)
    assert any("unknown key 'terraformm' (did you mean 'terraform'?)" in p for p in found)


def test_an_exact_type_wins_over_a_prefix_and_a_longer_prefix_over_a_shorter():
    kb = load()
    assert kb.service_for_type("cloudformation", "AWS::RDS::DBInstance") == "rds"
    assert kb.service_for_type("cloudformation", "AWS::RDS::DBCluster") == "aurora"
    assert kb.service_for_type("cloudformation", "AWS::S3::BucketPolicy") == "s3"
    assert kb.service_for_type("terraform", "aws_vpc_endpoint") == "vpc"
    assert kb.service_for_type("terraform", "aws_rds_cluster_instance") == "aurora"
    assert kb.service_for_type("terraform", "aws_cloudtrail") == "cloudtrail"
    assert kb.service_for_type("terraform", "aws_ecs_service") == "ecs"  # launch type unknown
    assert kb.service_for_type("terraform", "aws_cloudwatch_event_rule") == "eventbridge"
    assert kb.service_for_type("terraform", "aws_cloudwatch_log_group") == "cloudwatch"
    assert kb.service_for_type("cloudformation", "AWS::Serverless::SimpleTable") == "dynamodb"
    assert kb.service_for_type("cloudformation", "AWS::EC2::NatGateway") == "nat-gateway"
    assert kb.service_for_type("terraform", "aws_opensearchserverless_collection") == (
        "opensearch-serverless"
    )
    assert kb.service_for_type("terraform", "AWS::S3::Bucket") is None
