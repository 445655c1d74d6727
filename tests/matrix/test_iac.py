"""Templates -> resource types -> services: the three fixture stacks, and every kind of bad file."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.kb.loader import load
from bot.matrix.iac import (
    MAX_TEMPLATE_BYTES,
    MAX_YAML_ALIASES,
    TemplateError,
    map_resources,
    read_template,
    read_template_file,
)
from bot.matrix.matrix import build_matrix
from tests.e2e.harness import hostile

FIXTURES = Path(__file__).parent.parent / "fixtures" / "iac"
KB = load()


def stack_of(name: str):
    return map_resources(KB, read_template_file(FIXTURES / name))


def test_cloudformation_web_app_with_alb_auto_scaling_rds_and_s3():
    stack = stack_of("webapp.yaml")
    assert stack.template.kind_name == "CloudFormation"
    assert len(stack.template.resources) == 28
    assert [s.id for s in stack.services] == [
        "vpc",
        "elb",
        "iam",
        "auto-scaling",
        "rds",
        "s3",
        "cloudwatch",
    ]
    assert stack.types_by_service["auto-scaling"] == (
        "AWS::EC2::LaunchTemplate",
        "AWS::AutoScaling::AutoScalingGroup",
        "AWS::AutoScaling::ScalingPolicy",
    )
    assert "AWS::RDS::DBSubnetGroup" in stack.types_by_service["vpc"]  # a set of subnets
    assert stack.types_by_service["elb"] == (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        "AWS::ElasticLoadBalancingV2::Listener",
    )
    assert stack.unknown_labels() == ()  # the load balancer, alarm and log group are known now
    database = next(r for r in stack.template.resources if r.name == "Database")
    assert database.type == "AWS::RDS::DBInstance" and database.line == 219


def test_serverless_api_gateway_lambda_dynamodb_sqs_in_json():
    stack = stack_of("serverless.json")
    assert [s.id for s in stack.services] == [
        "dynamodb",
        "kms",
        "sqs",
        "iam",
        "lambda",
        "api-gateway",
        "cloudwatch",
    ]
    assert stack.types_by_service["cloudwatch"] == ("AWS::Logs::LogGroup", "AWS::CloudWatch::Alarm")
    assert stack.unknown_labels() == ()
    assert stack.summary() == "serverless.json (CloudFormation): 18 resources → 7 services"


@pytest.mark.parametrize("name", ["eks_aurora.tf", "eks_aurora.plan.json"])
def test_terraform_eks_and_aurora_as_hcl_and_as_a_plan(name):
    stack = stack_of(name)
    assert [s.id for s in stack.services] == ["vpc", "kms", "iam", "cloudwatch", "eks", "aurora"]
    assert stack.unknown == ()  # random_password is Terraform's random provider: listed apart
    assert [(t.type, t.group) for t in stack.apart] == [("random_password", "other_providers")]
    assert set(stack.types_by_service["aurora"]) == {"aws_rds_cluster", "aws_rds_cluster_instance"}
    # a data source creates nothing, so it is not a resource
    assert not any(r.type == "aws_availability_zones" for r in stack.template.resources)


def test_the_plan_counts_each_instance_the_hcl_declares_once():
    hcl, plan = stack_of("eks_aurora.tf"), stack_of("eks_aurora.plan.json")
    assert (hcl.template.kind, plan.template.kind) == ("terraform", "plan")
    assert len(hcl.template.resources) == 15 and len(plan.template.resources) == 19
    assert "aws_rds_cluster_instance.orders[1]" in {r.name for r in plan.template.resources}


def test_the_template_matrix_is_the_knowledge_bases():
    stack = stack_of("serverless.json")
    matrix = build_matrix(KB, stack.services)
    for area in KB.areas:
        for service in stack.services:
            item = area.cell_item(KB, service.id)
            assert matrix.cell(area.id, service.id).owner == item.owner_for(service.id)
    assert {matrix.cell("patching", s.id).owner for s in stack.services} == {"aws"}
    assert matrix.cell("encryption", "dynamodb").owner == "aws"


def test_a_plan_follows_child_modules_and_skips_data_sources():
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {"address": "aws_s3_bucket.logs", "mode": "managed", "type": "aws_s3_bucket"},
                    {"address": "data.aws_iam_policy_document.x", "mode": "data", "type": "x"},
                ],
                "child_modules": [
                    {
                        "address": "module.db",
                        "resources": [
                            {
                                "address": "module.db.aws_db_instance.this",
                                "mode": "managed",
                                "type": "aws_db_instance",
                            }
                        ],
                    }
                ],
            }
        },
    }
    template = read_template("plan.json", json.dumps(plan).encode())
    assert [r.type for r in template.resources] == ["aws_s3_bucket", "aws_db_instance"]


def test_terraform_modules_are_listed_not_followed():
    text = b'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n'
    text += b'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n'
    template = read_template("main.tf", text)
    assert [(m.label, m.kind, m.followed) for m in template.modules] == [
        ("module.vpc (terraform-aws-modules/vpc/aws)", "registry", False)
    ]
    stack = map_resources(KB, template)
    assert "1 module not read" in stack.summary()
    assert "registry module" in stack.module_labels()[0]
    assert "terraform show -json" in stack.complete_answer


def test_tf_json_is_read_like_hcl():
    data = {"resource": {"aws_lambda_function": {"api": {"runtime": "python3.12"}}}}
    template = read_template("main.tf.json", json.dumps(data).encode())
    assert [(r.name, r.type) for r in template.resources] == [
        ("aws_lambda_function.api", "aws_lambda_function")
    ]


def test_shard_groups_code_connections_and_roles_anywhere_map_to_their_services():
    """Seen unmapped in public modules: Aurora Limitless shard groups, CodeConnections (renamed
    CodeStar Connections, a pipeline's source), IAM Roles Anywhere."""
    hcl = b"""
resource "aws_rds_cluster" "db" {}
resource "aws_rds_shard_group" "limitless" {}
resource "aws_codeconnections_connection" "github" {}
resource "aws_codeconnections_host" "ghes" {}
resource "aws_codestarconnections_connection" "old" {}
resource "aws_rolesanywhere_trust_anchor" "pki" {}
"""
    stack = map_resources(KB, read_template("main.tf", hcl))
    assert stack.unknown == ()
    assert {s.id for s in stack.services} == {"aurora", "codepipeline", "iam"}
    cfn = b"""
Resources:
  Shards: {Type: AWS::RDS::DBShardGroup}
  Source: {Type: AWS::CodeConnections::Connection}
"""
    stack = map_resources(KB, read_template("template.yaml", cfn))
    assert stack.unknown == ()
    assert {s.id for s in stack.services} == {"aurora", "codepipeline"}


# --- bad input: a clear message with file:line, never a traceback ------------------------------


def error(name: str, data: bytes) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        read_template(name, data)
    return caught.value


def test_malformed_yaml_names_the_line():
    exc = error("web.yaml", b"Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n   Bad: [\n")
    assert exc.line == 4 and str(exc).startswith("web.yaml:4: invalid YAML")


def test_malformed_json_names_the_line():
    exc = error("web.json", b'{\n  "Resources": {\n    "A": {"Type": "AWS::S3::Bucket",}\n')
    assert exc.line == 3 and "invalid JSON" in str(exc)


def test_malformed_hcl_names_the_line():
    exc = error("main.tf", b'resource "aws_s3_bucket" "b" {\n  bucket = \n}\n')
    assert str(exc) == (
        "main.tf:2: invalid Terraform: expected a value after '=' (a string, number, list, map "
        "or expression)"
    )


def test_a_resource_without_a_type_names_its_line():
    exc = error("web.yaml", b"Resources:\n  Bucket:\n    Properties: {}\n")
    assert str(exc) == "web.yaml:2: resource 'Bucket' has no Type"


def test_a_json_resource_without_a_type_names_its_line():
    exc = error("web.json", b'{\n  "Resources": {\n    "Queue": {"Properties": {}}\n  }\n}\n')
    assert str(exc) == "web.json:3: resource 'Queue' has no Type"
    template = read_template_file(FIXTURES / "serverless.json")
    assert next(r for r in template.resources if r.name == "OrdersQueue").line == 33


def test_yaml_that_is_not_cloudformation_says_so():
    exc = error("deploy.yaml", b"apiVersion: apps/v1\nkind: Deployment\n")
    assert "no Resources section" in str(exc)


def test_a_yaml_bomb_is_refused_without_expanding_it():
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 13):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    lines.append("Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {Tags: *a12}")
    exc = error("bomb.yaml", "\n".join(lines).encode())
    assert f"more than {MAX_YAML_ALIASES} YAML aliases" in str(exc)


def test_a_few_aliases_are_fine_and_never_expanded():
    text = b"x: &tags [{Key: team, Value: pay}]\nResources:\n  B:\n    Type: AWS::S3::Bucket\n"
    text += b"    Properties: {Tags: *tags}\n"
    assert [r.type for r in read_template("ok.yaml", text).resources] == ["AWS::S3::Bucket"]


def test_short_form_tags_are_harmless_even_unknown_ones():
    text = b"Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n"
    text += b"      BucketName: !Sub '${AWS::StackName}-b'\n      X: !python/object:os.system ls\n"
    assert [r.type for r in read_template("t.yaml", text).resources] == ["AWS::S3::Bucket"]


def test_binary_junk_is_refused():
    assert "binary file" in str(error("photo.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
    assert "not UTF-8" in str(error("x.yaml", b"Resources:\n  \xff\xfe: 1\n"))


def test_a_file_over_one_megabyte_is_refused(tmp_path):
    big = tmp_path / "huge.yaml"
    big.write_bytes(b"Resources:\n" + b"#" * (5 * 1024 * 1024))
    with pytest.raises(TemplateError) as caught:
        read_template_file(big)
    assert "the file is 5.0 MB; ofin reads templates up to 1 MB" in str(caught.value)
    assert "1 MB" in str(error("x.yaml", b"a" * (MAX_TEMPLATE_BYTES + 1)))


@pytest.mark.parametrize("data", [b"", b"   \n", b"[1, 2]", b"{}", b"[" * 100_000])
def test_empty_or_shapeless_files_get_a_message(data):
    assert str(error("t.json", data))


def test_the_cli_reads_a_template_and_lists_unknown_types():
    result = CliRunner().invoke(cli, ["matrix", "--from", str(FIXTURES / "webapp.yaml")])
    assert result.exit_code == 0, result.output
    assert "From webapp.yaml (CloudFormation): 28 resources → 7 services" in result.output
    assert "Not in ofin's knowledge yet" not in result.output
    assert "VPC     ELB     IAM     Auto Scaling  RDS     S3      CloudWatch" in result.output
    other = CliRunner().invoke(cli, ["matrix", "--from", str(FIXTURES / "eks_aurora.tf")])
    assert "Not in ofin's knowledge yet" not in other.output
    assert "No AWS service, listed apart:\n  random_password: Terraform's random provider" in (
        other.output
    )


def test_the_cli_reports_a_broken_template_as_file_line(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources:\n  A:\n    Type: [\n")
    result = CliRunner().invoke(cli, ["matrix", "--from", str(broken)])
    assert result.exit_code == 1
    assert "ofin: broken.yaml:4: invalid YAML" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("i.tf", hostile.interpolations(200_000), "i.tf: 200,000 interpolations; ofin reads at"),
        ("n.tf", hostile.big_number(5_000, "tf"), "n.tf:2: a number of more than 100 digits"),
        ("n.json", hostile.big_number(5_000, "json"), "n.json:1: a number of more than 100"),
        (
            "n.yaml",
            b"Resources:\n  B:\n    Type: AWS::S3::Bucket\n    N: " + b"9" * 200,
            "n.yaml:4",
        ),
        ("r.yaml", hostile.many_resources(20_000), "r.yaml: 20000 resources; ofin reads at most"),
        ("d.tf", hostile.deep(5_000, "tf"), "d.tf:2: nested more than 64 deep"),
        ("d.json", hostile.deep(100, "json"), "d.json:1: nested more than 64 deep"),
    ],
)
def test_a_template_past_the_budget_is_refused_before_parsing(name, data, says):
    started = time.process_time()
    with pytest.raises(TemplateError) as refused:
        read_template(name, data)
    assert str(refused.value).startswith(says)
    assert time.process_time() - started < 0.5


def test_pythons_int_limit_is_a_template_error_not_a_crash(monkeypatch):
    import bot.matrix.iac as iac

    monkeypatch.setattr(iac, "_LONG_DIGITS", re.compile(r"(?!)"))  # the budget passed by
    with pytest.raises(TemplateError, match="a value ofin cannot read"):
        read_template("n.json", hostile.big_number(5_000, "json"))


def test_ordinary_templates_are_within_the_budget():
    assert len(read_template("main.tf", hostile.terraform(200)).resources) == 200
    for fixture in FIXTURES.rglob("*"):
        if fixture.is_file() and fixture.stat().st_size:  # an empty variables.tf is no template
            read_template_file(fixture)
