"""Hostile templates: small files that cost a naive reader seconds, gigabytes or a traceback.

data = hostile.interpolations(200_000)     # an 800 KB .tf: 200,000 "${a}"
data = hostile.big_number(5_000, "json")   # a 5,000-digit number (Python's int limit: 4,300)
data = hostile.many_resources(20_000)      # a CloudFormation template of 20,000 resources
data = hostile.deep(5_000, "tf")           # lists nested 5,000 deep
"""

from __future__ import annotations


def interpolations(count: int) -> bytes:
    """A Terraform file whose one attribute holds ``count`` interpolations (4 bytes each)."""
    return b'resource "aws_s3_bucket" "b" {\n  bucket = "' + b"${a}" * count + b'"\n}\n'


def big_number(digits: int, kind: str) -> bytes:
    """A template (``tf`` or ``json``) with a number of ``digits`` digits."""
    number = b"9" * digits
    if kind == "tf":
        return b'resource "aws_s3_bucket" "b" {\n  n = ' + number + b"\n}\n"
    return (
        b'{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"N": ' + number + b"}}}}"
    )


def many_resources(count: int) -> bytes:
    """A CloudFormation YAML template of ``count`` buckets."""
    return b"Resources:\n" + b"".join(
        b"  R%d:\n    Type: AWS::S3::Bucket\n" % i for i in range(count)
    )


def deep(depth: int, kind: str) -> bytes:
    """Lists nested ``depth`` deep, in a ``tf`` attribute or a ``json`` template."""
    if kind == "tf":
        return b'resource "aws_s3_bucket" "b" {\n  x = ' + b"[" * depth + b"]" * depth + b"\n}\n"
    inner = b"[" * depth + b"]" * depth
    return b'{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"X": ' + inner + b"}}}}"


def terraform(count: int) -> bytes:
    """An ordinary Terraform file of ``count`` buckets with a few attributes each."""
    return b"".join(
        b'resource "aws_s3_bucket" "b%d" {\n  bucket = "team-bucket-%d"\n'
        b'  tags = { Env = "prod", Owner = "platform", Name = "b-${var.env}" }\n}\n' % (i, i)
        for i in range(count)
    )
