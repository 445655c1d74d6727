"""Terraform as Terraform reads it: heredocs with trailing blanks, errors in plain words."""

from __future__ import annotations

import pytest

from bot.matrix.hcl import read_hcl
from bot.matrix.template import TemplateError


def test_a_heredoc_whose_closing_marker_has_trailing_blanks_parses():
    text = (
        'resource "aws_iam_role" "api" {\n  assume_role_policy = <<POLICY\n{"Version": "1"}\n'
        'POLICY   \n}\n\nresource "aws_iam_role_policy" "api" {\n  policy = <<-EOT\n'
        '    {"Statement": []}\n    EOT\t\n}\n'
    )
    template = read_hcl("iam.tf", text)
    assert [(r.name, r.line) for r in template.resources] == [
        ("aws_iam_role.api", 1),
        ("aws_iam_role_policy.api", 7),
    ]


def test_windows_line_endings_parse_too():
    template = read_hcl("main.tf", 'resource "aws_sqs_queue" "q" {\r\n  name = "q"\r\n}\r\n')
    assert [r.type for r in template.resources] == ["aws_sqs_queue"]


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ('resource "a" "b" {\n  x = \n}\n', 2, "expected a value after '='"),
        ('resource "a" "b" {\n  x = 1\n', 3, "the file ends too soon: expected '}'"),
        ('resource "a" "b" {\n  x = 1\n}\n}\n', 4, "a '}' that closes no block"),
        ('variable "x" {\n  default = "abc\n}\n', 2, "a string is not closed"),
    ],
)
def test_a_real_syntax_error_says_the_line_and_what_was_expected_in_words(text, line, says):
    with pytest.raises(TemplateError) as caught:
        read_hcl("main.tf", text)
    assert caught.value.line == line
    assert caught.value.message.startswith(f"invalid Terraform: {says}")
    assert "Token(" not in str(caught.value) and "Expected one of" not in str(caught.value)


def test_module_calls_say_what_ofin_can_see():
    text = (
        'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n'
        'module "cdn" {\n  source = "git::https://github.com/acme/cdn.git?ref=v1"\n}\n'
        'module "db" {\n  source = "./modules/db"\n}\n'
    )
    calls = read_hcl("main.tf", text).modules
    assert [(m.name, m.kind, m.line, m.followed) for m in calls] == [
        ("vpc", "registry", 1, False),
        ("cdn", "remote", 4, False),
        ("db", "local", 7, False),
    ]
    assert "registry module" in calls[0].why
    assert "--from DIR" in calls[2].why
