"""`python -m bot kb check` and `kb export`, run as a person runs them: in a real subprocess."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.kb.loader import load

REPO = Path(__file__).resolve().parents[2]
VALID = Path(__file__).parent.parent / "fixtures" / "kb_valid"

BROKEN_ITEM = """\
items:
  - id: broken-item
    title: A broken item
    ownr: customer
    category: compute
    explanation: Something is wrong here.
    sources: [http://example.com/]
    quiz:
      - question: Who?
        answer: customer
        explanation: Because — of course.
"""


def ofin(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot ARGS`` in ``cwd`` and capture what it prints."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    """A copy of the valid fixture at ``tmp_path/kb``."""
    return Path(shutil.copytree(VALID, tmp_path / "kb"))


@pytest.fixture
def broken(valid: Path) -> Path:
    """The valid fixture plus one file with two problems."""
    (valid / "broken.yaml").write_text(BROKEN_ITEM, encoding="utf-8")
    return valid


BROKEN_REPORT = [
    "kb/broken.yaml:2: missing key 'owner'",
    "kb/broken.yaml:4: unknown key 'ownr' (did you mean 'owner'?)",
    "kb/broken.yaml:7: source 'http://example.com/' is not an https URL",
    "3 problems",
]


def test_check_prints_one_summary_line_when_all_is_well(valid: Path) -> None:
    result = ofin("kb", "check", "kb", cwd=valid.parent)
    assert result.returncode == 0
    assert result.stdout == "knowledge OK: 3 items, 3 services, 4 quiz questions (kb/)\n"
    assert result.stderr == ""


def test_check_a_single_file_uses_the_services_beside_it(valid: Path) -> None:
    result = ofin("kb", "check", "kb/compute.yaml", cwd=valid.parent)
    assert result.returncode == 0
    assert result.stdout == (
        "knowledge OK: 2 items, 3 services, 3 quiz questions (kb/compute.yaml)\n"
    )


def test_check_lists_every_problem_then_the_count(broken: Path) -> None:
    result = ofin("kb", "check", "kb", cwd=broken.parent)
    assert result.returncode == 1
    assert result.stdout.splitlines() == BROKEN_REPORT
    assert result.stderr == ""


def test_check_reports_bad_yaml_at_the_parsers_line(valid: Path) -> None:
    (valid / "compute.yaml").write_text("items:\n  - id: x\n  title: y\n")
    result = ofin("kb", "check", "kb", cwd=valid.parent)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "kb/compute.yaml:3: invalid YAML: did not find expected '-' indicator "
        "(while parsing a block collection at line 2)",
        "1 problem",
    ]


@pytest.mark.parametrize("command", ["check", "export"])
def test_a_path_that_does_not_exist_is_exit_2_without_a_traceback(
    tmp_path: Path, command: str
) -> None:
    result = ofin("kb", command, "nowhere", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "ofin: no knowledge base at nowhere: no such file or folder\n"


def test_check_with_no_path_checks_the_real_knowledge_base() -> None:
    result = ofin("kb", "check", cwd=REPO)
    assert result.returncode == 0, result.stdout
    assert re.fullmatch(
        r"knowledge OK: \d+ items, \d+ services, \d+ quiz questions \(knowledge/\)\n", result.stdout
    )


def test_export_prints_the_whole_knowledge_base_as_json(valid: Path) -> None:
    result = ofin("kb", "export", "kb", cwd=valid.parent)
    assert result.returncode == 0
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert data == load(VALID).to_dict()
    assert [item["id"] for item in data["items"]] == [
        "guest-os-patching",
        "hypervisor-patching",
        "data-classification",
    ]
    patching = data["items"][0]
    assert patching["owner"] == "customer"
    assert patching["category"] == "compute"
    assert patching["aliases"] == ["patch the guest os", "os updates on my instance"]
    assert patching["services"]["rds"] == {
        "owner": "aws",
        "note": "AWS patches the OS under your DB instance.",
    }
    assert patching["quiz"][0] == {
        "id": "guest-os-patching#1",
        "question": "Who patches the guest OS of an EC2 instance?",
        "choices": ["aws", "customer", "shared"],
        "answer": "customer",
        "explanation": "EC2 is infrastructure as a service; the guest OS is yours.",
        "service": "ec2",
    }
    assert [s["id"] for s in data["services"]] == ["ec2", "rds", "s3"]
    assert data["services"][1]["stack"][1] == {
        "layer": "Database engine",
        "owner": "aws",
        "note": "Patched in your maintenance window.",
    }


def test_export_is_stable_and_keeps_unicode(valid: Path) -> None:
    (valid / "data.yml").write_text(
        (VALID / "data.yml").read_text().replace("worth.", "worth — to you."), encoding="utf-8"
    )
    first = ofin("kb", "export", "kb", cwd=valid.parent)
    second = ofin("kb", "export", "kb", cwd=valid.parent)
    assert first.returncode == 0
    assert first.stdout == second.stdout
    assert "worth — to you." in first.stdout
    assert first.stdout.startswith('{\n  "items": [\n')  # sorted keys, indented


def test_export_of_a_broken_knowledge_base_prints_the_problems(broken: Path) -> None:
    result = ofin("kb", "export", "kb", cwd=broken.parent)
    assert result.returncode == 1
    assert result.stdout.splitlines() == BROKEN_REPORT


@pytest.mark.parametrize("command", ["check", "export"])
def test_kb_commands_have_help_with_an_example(command: str) -> None:
    result = ofin("kb", command, "--help", cwd=REPO)
    assert result.returncode == 0
    assert "Example:" in result.stdout
