"""Read a template in a child process bounded in time and memory, a few at a time.

Templates arrive from anyone who can DM ofin. ``iac.prescan`` refuses at once what no real
template looks like; what is left can still cost python-hcl2 about 2 s of CPU and 40 MB per
100 KB. So the parse runs in a child process (``python -m bot.matrix.reader``): it gets
``READ_SECONDS`` of CPU and ``MEMORY_BYTES`` of address space (wall-clock time only stops a child
that stopped working: on a busy machine a slow read is not a costly template), and its
memory goes back to the system when it exits (a parse in the bot's own process kept its peak:
three hostile files left 2.26 GB behind). At most ``PARALLEL`` parses run at once; the next
waits for a slot, up to ``QUEUE_SECONDS``, and ``on_queued`` lets the caller say so.

A zip (a module tree sent in a DM, or a folder given to `matrix --from DIR`, zipped in memory)
is read the same way, with ``ARCHIVE_SECONDS`` of CPU: bot/matrix/archive.py bounds what it
opens.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot.matrix.archive import (
    MAX_TREE_BYTES,
    gather_folder,
    is_archive,
    read_archive,
    zip_files,
)
from bot.matrix.iac import MAX_TEMPLATE_BYTES, read_template, too_big
from bot.matrix.template import Template, TemplateError

logger = logging.getLogger(__name__)

READ_SECONDS = 6  # CPU for one parse (wall clock: 2 s more); a 2,500-resource .tf takes ~5 s
ARCHIVE_SECONDS = 20  # CPU for a module tree: terraform-aws-eks and its modules (378 KB) take 2 s
MEMORY_BYTES = 768 * 1024 * 1024  # the child's address space (Python and its libraries: ~150 MB)
PARALLEL = 2  # parses at once: one per core of a small machine
QUEUE_SECONDS = 60  # how long a template waits for a slot before it is refused
MAX_WALL_SECONDS = 120  # a child still short of its CPU time after this: the machine is too busy
BUSY = "could not be read in time: the machine running ofin is busy; try again in a minute"

_slots = threading.BoundedSemaphore(PARALLEL)


def read_isolated(
    name: str,
    data: bytes,
    on_queued: Callable[[], None] | None = None,
    root: str | None = None,
) -> Template:
    """Read a template's (or a zip's) bytes in a bounded child process; TemplateError says what
    is wrong. ``root`` is a zip's root module folder (default: its shallowest)."""
    if is_archive(name, data):
        if len(data) > MAX_TREE_BYTES:
            raise TemplateError(name, too_big(len(data), MAX_TREE_BYTES, "zips of templates"))
    elif len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateError(name, too_big(len(data)))
    if not _slots.acquire(blocking=False):
        if on_queued is not None:
            on_queued()
        if not _slots.acquire(timeout=QUEUE_SECONDS):
            raise TemplateError(
                name, "ofin is reading too many templates at once; send it again in a minute"
            )
    try:
        return _in_child(name, data, root)
    finally:
        _slots.release()


def read_isolated_file(path: Path | str) -> Template:
    """Read a template file, or a folder as Terraform does, in a bounded child process;
    TemplateError when it cannot be read."""
    path = Path(path)
    if path.is_dir():
        try:
            files, root = gather_folder(path)
        except OSError as exc:
            raise TemplateError(
                path.name, f"cannot read the folder: {exc.strerror or exc}"
            ) from None
        return read_isolated(f"{path.resolve().name}/", zip_files(files), root=root)
    limit = MAX_TREE_BYTES if is_archive(path.name) else MAX_TEMPLATE_BYTES
    try:
        size = path.stat().st_size
        if size > limit:
            raise TemplateError(path.name, too_big(size, limit))
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise TemplateError(path.name, f"cannot read the file: {exc.strerror or exc}") from None
    return read_isolated(path.name, data)


def _in_child(name: str, data: bytes, root: str | None) -> Template:
    seconds = ARCHIVE_SECONDS if is_archive(name, data) else READ_SECONDS
    too_long = f"took more than {seconds} s to read: refused (is it a real template?)"
    command = [sys.executable, "-m", "bot.matrix.reader", name]
    if root is not None:
        command.append(root)
    child = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    # The CPU limit is what refuses a costly template. The wall clock only stops a child that
    # is stuck: on a busy machine a child short of CPU keeps being waited for while it works.
    deadline = time.monotonic() + MAX_WALL_SECONDS
    used = 0.0
    try:
        stdout, stderr = child.communicate(data, timeout=seconds + 2)  # start-up on top
    except subprocess.TimeoutExpired:
        while True:
            now = _cpu_seconds(child.pid) or 0.0  # unknown counts as stuck
            stuck = now <= used
            if stuck or time.monotonic() > deadline:
                child.kill()
                child.communicate()
                raise TemplateError(name, too_long if stuck else BUSY) from None
            used = now
            try:
                stdout, stderr = child.communicate(timeout=2)
                break
            except subprocess.TimeoutExpired:
                continue
    if child.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise TemplateError(name, too_long)
    try:
        reply = json.loads(stdout)
    except ValueError:
        last = (stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
        logger.warning("the template reader stopped (exit %s): %s", child.returncode, last[:200])
        raise TemplateError(name, "could not be read: the reader stopped on it") from None
    if "error" in reply:
        raise TemplateError(reply.get("name") or name, reply["error"], reply.get("line"))
    return Template.from_dict(reply)


def _cpu_seconds(pid: int) -> float | None:
    """CPU seconds a running child has used so far (Linux /proc), or None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # after the command name, which may hold spaces
    try:
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (IndexError, ValueError):
        return None


def main() -> int:
    """The child: limit itself, read one template from standard input, print it as JSON."""
    name = sys.argv[1] if len(sys.argv) > 1 else "template"
    root = sys.argv[2] if len(sys.argv) > 2 else None
    data = sys.stdin.buffer.read(MAX_TREE_BYTES + 1)
    seconds = ARCHIVE_SECONDS if is_archive(name, data) else READ_SECONDS
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    reply: dict
    try:
        if is_archive(name, data):
            template = read_archive(name, data, root)
        else:
            template = read_template(name, data)
        reply = template.to_dict()
    except TemplateError as exc:
        reply = {"error": exc.message, "line": exc.line, "name": exc.name}
    except MemoryError:
        reply = {"error": f"needs more than {MEMORY_BYTES // 2**20} MB to read: refused"}
    sys.stdout.write(json.dumps(reply))
    return 0


if __name__ == "__main__":
    sys.exit(main())
