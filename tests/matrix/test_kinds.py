"""knowledge/vocabulary/resource_kinds.yaml: what a type is when it is no service of ofin's."""

from __future__ import annotations

from bot.kb.loader import load
from bot.matrix.kinds import KINDS_PATH, check_kinds, default_kinds, read_kinds

KB = load()


def test_the_shipped_file_is_valid_and_overlaps_no_service():
    assert check_kinds(KB, KINDS_PATH) == []


def test_cloudformation_machinery_and_other_providers_are_said_for_what_they_are():
    kinds = default_kinds()
    wait = kinds.kind_of("cloudformation", "AWS::CloudFormation::WaitCondition")
    assert wait is not None and wait.group == "not_a_service"
    custom = kinds.kind_of("cloudformation", "Custom::SeedTable")
    assert custom is not None and "custom resource" in custom.what
    assert kinds.kind_of("terraform", "random_password").group == "other_providers"
    assert kinds.kind_of("terraform", "helm_release").group == "other_providers"
    assert kinds.kind_of("terraform", "null_resource").group == "other_providers"
    assert kinds.kind_of("cloudformation", "AWS::CodeCommit::Repository").what == "AWS CodeCommit"
    assert kinds.kind_of("terraform", "aws_s3_bucket") is None  # a service's, not this file's


def test_a_type_a_service_lists_now_must_leave_the_file(tmp_path):
    path = tmp_path / "resource_kinds.yaml"
    path.write_text(
        "not_yet_known:\n"
        "  - cloudformation: [AWS::SQS::*]\n"
        "    what: Amazon SQS\n"
        "  - terraform: [aws_db_instance]\n"
        "    what: Amazon RDS\n"
    )
    problems = [str(p) for p in check_kinds(KB, path)]
    assert problems == [
        f"{path}:2: 'AWS::SQS::*' is the service 'sqs' now (its resource_types list it): "
        "remove it here",
        f"{path}:4: 'aws_db_instance' is the service 'rds' now (its resource_types list it): "
        "remove it here",
    ]


def test_a_broken_entry_is_named_by_file_and_line(tmp_path):
    path = tmp_path / "resource_kinds.yaml"
    path.write_text(
        "other_providers:\n"
        "  - terraform: [Random-Thing]\n"
        "    what: nope\n"
        "  - terraform: [time_*]\n"
        "  - terraform: [time_*]\n"
        "    what: time\n"
        "  - terraform: [time_*]\n"
        "    what: again\n"
        "misc: []\n"
    )
    _, problems = read_kinds(path)
    assert [(p.line, p.message.split(" (")[0]) for p in problems] == [
        (2, "'Random-Thing' is not a terraform resource type"),
        (4, "'what' must say in a few words what these resources are"),
        (9, "unknown list 'misc'"),
        (7, "'time_*' is listed twice"),
    ]


def test_a_provider_no_list_names_is_still_another_providers_not_a_gap():
    from bot.matrix.iac import map_resources
    from bot.matrix.template import Resource, Template

    template = Template(
        "main.tf",
        "terraform",
        (Resource("okta_user.a", "okta_user"), Resource("aws_newthing.x", "aws_newthing")),
    )
    stack = map_resources(KB, template)
    assert [(t.type, t.what) for t in stack.apart] == [
        ("okta_user", "the okta provider's resource, outside AWS")
    ]
    assert [t.type for t in stack.unknown] == ["aws_newthing"]  # an AWS type: a real gap
