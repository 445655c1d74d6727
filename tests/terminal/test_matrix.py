"""`python -m bot matrix` and the console's `matrix`: the aligned table, the checklist, errors."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import Settings
from bot.kb.loader import load
from bot.terminal.console import Console
from bot.wiring import build_core


def invoke(*args: str):
    return CliRunner().invoke(cli, ["matrix", *args])


def test_the_cli_prints_the_table_and_the_checklist():
    result = invoke("ec2", "rds", "lambda", "s3")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Responsibility matrix: Amazon EC2, Amazon RDS, AWS Lambda, Amazon S3"
    assert lines[2].split() == ["EC2", "RDS", "Lambda", "S3"]
    patching = next(line for line in lines if line.startswith("OS, runtime and engine patching"))
    assert patching.split()[-4:] == ["You", "AWS", "AWS", "AWS"]
    assert "    [ ] Patching the guest operating system — EC2" in lines
    assert "Notes and sources" not in result.output


def test_notes_add_every_cells_note_and_source():
    result = invoke("rds", "--notes")
    assert result.exit_code == 0
    assert "    RDS: AWS. AWS applies engine patches" in result.output
    assert "<https://docs.aws.amazon.com/" in result.output


def test_csv_and_json_formats():
    rows = list(csv.reader(io.StringIO(invoke("ec2", "s3", "--format", "csv").output)))
    assert rows[0][:3] == ["area", "service", "responsible"] and len(rows) == 21
    data = json.loads(invoke("lambda", "--format", "json").output)
    patching = next(a for a in data["areas"] if a["id"] == "patching")
    assert patching["cells"]["lambda"]["owner"] == "aws"
    assert data["services"] == ["lambda"]


def test_an_unknown_name_exits_1_with_did_you_mean():
    result = invoke("ec2", "sqsq")
    assert result.exit_code == 1
    assert 'I don\'t know a service called "sqsq". Did you mean sqs?' in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [(), ("and",), tuple(["s3"] * 200)])
def test_no_names_or_too_many_exit_2_with_a_message(args):
    result = invoke(*args)
    assert result.exit_code == 2
    assert "ofin: " in result.output and "Traceback" not in result.output


def test_the_console_speaks_matrix(tmp_path):
    console = Console(build_core(Settings(db_path=tmp_path / "ofin.db"), load()))
    out = io.StringIO()
    console.run(io.StringIO("matrix eks, aurora\nmatrix\n"), out)
    text = out.getvalue()
    assert "Responsibility matrix: Amazon EKS, Amazon Aurora" in text
    assert "    [ ] Patching the guest operating system — EKS" in text
    assert 'Which services? e.g. "matrix ec2 rds lambda s3".' in text
