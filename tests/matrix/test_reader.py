"""Templates are read in a child process bounded in time and memory, a few at a time."""

from __future__ import annotations

import threading

import pytest

from bot.matrix import reader
from bot.matrix.iac import MAX_TEMPLATE_BYTES, TemplateError, read_template
from tests.e2e.harness import hostile

FIXTURE = hostile.terraform(20)


def test_the_child_reads_what_the_parent_would():
    assert reader.read_isolated("main.tf", FIXTURE) == read_template("main.tf", FIXTURE)


def test_the_childs_errors_come_back_with_their_line():
    with pytest.raises(TemplateError) as refused:
        reader.read_isolated("main.tf", b'resource "aws_s3_bucket" "b" {\n  bucket = \n}\n')
    assert refused.value.line == 2
    assert str(refused.value).startswith("main.tf:2: invalid Terraform: expected a value")


def test_a_file_over_the_limit_never_reaches_the_child():
    with pytest.raises(TemplateError, match="ofin reads templates up to 1 MB"):
        reader.read_isolated("big.yaml", b"#" * (MAX_TEMPLATE_BYTES + 1))


def test_a_parse_past_its_time_is_refused():
    with pytest.raises(TemplateError, match=f"took more than {reader.READ_SECONDS} s"):
        reader.read_isolated("slow.tf", hostile.terraform(4_000))


def test_at_most_parallel_parses_at_once_the_next_is_told_it_waits(monkeypatch):
    monkeypatch.setattr(reader, "_slots", threading.BoundedSemaphore(1))
    reader._slots.acquire()  # another template is being read
    queued = threading.Event()
    result: list[object] = []
    worker = threading.Thread(
        target=lambda: result.append(reader.read_isolated("main.tf", FIXTURE, queued.set))
    )
    worker.start()
    assert queued.wait(5)
    assert not result  # still waiting for the slot
    reader._slots.release()
    worker.join(30)
    assert len(result) == 1
