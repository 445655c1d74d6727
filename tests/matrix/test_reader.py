"""Templates are read in a child process bounded in time and memory, a few at a time."""

from __future__ import annotations

import threading
import time

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


def test_a_read_short_of_cpu_on_a_busy_machine_is_waited_for_then_told_apart(monkeypatch):
    """A child that keeps working is not "a costly template" because the machine is busy."""
    monkeypatch.setattr(reader, "READ_SECONDS", 1)  # the parent's first wait: 3 s
    ticks = iter(range(1, 1000))
    monkeypatch.setattr(reader, "_cpu_seconds", lambda pid: next(ticks) / 100)  # starved
    monkeypatch.setattr(reader, "MAX_WALL_SECONDS", 5)
    started = time.monotonic()
    with pytest.raises(TemplateError, match="the machine running ofin is busy"):
        reader.read_isolated("slow.tf", hostile.terraform(4_000))
    assert time.monotonic() - started >= 5  # waited past the first 3 s while it worked


def test_a_child_that_stops_working_is_stopped(monkeypatch):
    monkeypatch.setattr(reader, "READ_SECONDS", 1)
    monkeypatch.setattr(reader, "_cpu_seconds", lambda pid: 0.5)  # no progress after 3 s
    with pytest.raises(TemplateError, match="took more than 1 s"):
        reader.read_isolated("slow.tf", hostile.terraform(4_000))


def test_a_running_childs_cpu_time_is_read():
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        used = reader._cpu_seconds(child.pid)
        for _ in range(100):  # a busy machine may give it little CPU at first
            if used:
                break
            time.sleep(0.1)
            used = reader._cpu_seconds(child.pid)
        assert used is not None and used > 0
    finally:
        child.kill()
        child.wait()
    assert reader._cpu_seconds(child.pid) is None  # gone


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
