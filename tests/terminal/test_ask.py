"""`python -m bot ask`: the readable answer and the JSON contract, run as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_KEYS = {"question", "owner", "item", "confidence", "service", "suggestions"}


def ask(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "ask", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_text_answer_names_owner_explanation_note_and_source() -> None:
    run = ask("who patches the guest OS on my EC2 instance?")
    assert run.returncode == 0, run.stderr
    assert "security IN the cloud" in run.stdout
    assert "On Amazon EC2:" in run.stdout
    assert "Source: https://" in run.stdout


def test_text_answer_for_aws_says_of_the_cloud() -> None:
    run = ask("who secures the data center buildings")
    assert "AWS — security OF the cloud" in run.stdout


def test_text_decline_is_friendly() -> None:
    run = ask("tell me a joke")
    assert run.returncode == 0
    assert "shared responsibility" in " ".join(run.stdout.split())
    assert "Traceback" not in run.stderr


def test_json_single_question_has_the_contract_keys() -> None:
    run = ask("--json", "Who patches the database engine for RDS?")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer.keys() >= CONTRACT_KEYS
    assert answer["owner"] == "aws"
    assert answer["service"] == "rds"
    assert isinstance(answer["item"], str)
    assert 0 <= answer["confidence"] <= 100
    assert isinstance(answer["suggestions"], list)


def test_json_stdin_answers_every_line_in_order() -> None:
    questions = [
        "who patches the hypervisor",
        "",
        "write me a poem",
        "x" * 5000,
        "who configures security groups",
    ]
    run = ask("--json", "-", stdin="\n".join(questions) + "\n")
    assert run.returncode == 0, run.stderr
    answers = [json.loads(line) for line in run.stdout.splitlines()]
    assert [a["question"] for a in answers] == questions
    assert [a["owner"] for a in answers] == ["aws", None, None, None, "customer"]
    assert answers[1]["declined_because"] == "empty"
    assert answers[3]["declined_because"] == "too_long"
    assert all(a.keys() >= CONTRACT_KEYS for a in answers)


def test_ask_without_a_question_explains_usage() -> None:
    run = ask()
    assert run.returncode == 2
    assert "give a question" in run.stdout


def test_unquoted_words_are_one_question() -> None:
    run = ask("--json", "who", "patches", "the", "hypervisor?")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["question"] == "who patches the hypervisor?"


def test_windows_line_endings_are_not_part_of_the_question() -> None:
    run = ask("--json", "-", stdin="who patches the hypervisor\r\nhi\r\n")
    questions = [json.loads(line)["question"] for line in run.stdout.splitlines()]
    assert questions == ["who patches the hypervisor", "hi"]


def test_readable_answers_from_stdin_are_separated_by_a_blank_line() -> None:
    run = ask("-", stdin="who patches the hypervisor\nwho configures security groups\n")
    first, second = run.stdout.split("\n\n", 1)
    assert first.startswith("AWS — security OF the cloud")
    assert second.startswith("You — security IN the cloud")


def test_json_carries_a_calibrated_probability_and_layers() -> None:
    run = ask("--json", "who patches the hypervisor under our EC2 instances?")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["owner"] == "aws"
    assert 0.3 <= answer["probability"] <= 1.0
    assert answer["layers"] == []


def test_a_question_in_another_language_is_answered() -> None:
    run = ask("--json", "¿Quién aplica los parches del hipervisor de nuestras instancias EC2?")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["owner"] == "aws"
