"""kb check on the matrix data in services.yaml: areas cover every service, resource types."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.kb.loader import DEFAULT_DIR, load
from bot.kb.model import KnowledgeError

NEW_SERVICE = """\
  - id: opensearch
    name: Amazon OpenSearch Service
    model: container
    sources: [https://docs.aws.amazon.com/opensearch-service/latest/developerguide/security.html]
    stack:
      - {layer: Your indexes, owner: customer}
"""


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def edit_services(kb_dir: Path, old: str, new: str) -> None:
    path = kb_dir / "services.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def problems(kb_dir: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load(kb_dir)
    return [str(p) for p in caught.value.problems]


def test_a_new_service_without_area_owners_is_reported_once_per_area(kb_dir):
    (kb_dir / "services.yaml").write_text((kb_dir / "services.yaml").read_text() + NEW_SERVICE)
    found = [p for p in problems(kb_dir) if "opensearch" in p]
    assert len(found) == 4  # patching, network, encryption, capacity have no default
    assert all(p.startswith("knowledge/services.yaml:") or "services.yaml:" in p for p in found)
    assert any("area 'patching' has no owner for service 'opensearch'" in p for p in found)


def test_naming_an_item_for_the_service_fills_the_area(kb_dir):
    text = (kb_dir / "services.yaml").read_text() + NEW_SERVICE
    for area_line in ("      ec2: guest-os-patching\n", "      ebs: global-network\n"):
        text = text.replace(area_line, area_line + "      opensearch: security-groups\n", 1)
    (kb_dir / "services.yaml").write_text(text)
    found = [p for p in problems(kb_dir) if "opensearch" in p]
    assert len(found) == 2
    assert not any("'patching'" in p or "'network'" in p for p in found)


def test_an_unknown_item_or_service_in_an_area_is_reported(kb_dir):
    edit_services(kb_dir, "    default: data-classification", "    default: data-clasification")
    edit_services(
        kb_dir, "      ebs: foundation-services-software", "      ebz: foundation-services-software"
    )
    found = problems(kb_dir)
    assert any(
        "unknown item 'data-clasification' (did you mean 'data-classification'?)" in p
        for p in found
    )
    assert any("unknown service 'ebz' (did you mean 'ebs'?)" in p for p in found)


def test_resource_types_are_checked(kb_dir):
    edit_services(
        kb_dir,
        "    cloudformation: [AWS::DynamoDB::*]",
        "    cloudformation: [AWS::DynamoDB::*, AWS::S3::*, aws_s3_bucket]",
    )
    edit_services(kb_dir, "  ecr:\n    cloudformation:", "  ecrr:\n    cloudformation:")
    found = problems(kb_dir)
    assert any(
        "resource type 'AWS::S3::*' is listed twice (first for 'dynamodb'" in p for p in found
    )
    assert any("'aws_s3_bucket' is not a cloudformation resource type" in p for p in found)
    assert any("unknown service 'ecrr' (did you mean 'ecr'?)" in p for p in found)


def test_an_exact_type_wins_over_a_prefix_and_a_longer_prefix_over_a_shorter():
    kb = load()
    assert kb.service_for_type("cloudformation", "AWS::RDS::DBInstance") == "rds"
    assert kb.service_for_type("cloudformation", "AWS::RDS::DBCluster") == "aurora"
    assert kb.service_for_type("cloudformation", "AWS::S3::BucketPolicy") == "s3"
    assert kb.service_for_type("terraform", "aws_vpc_endpoint") == "vpc"
    assert kb.service_for_type("terraform", "aws_rds_cluster_instance") == "aurora"
    assert kb.service_for_type("terraform", "aws_cloudtrail") == "cloudtrail"
    assert kb.service_for_type("terraform", "aws_ecs_service") is None
    assert kb.service_for_type("terraform", "AWS::S3::Bucket") is None
