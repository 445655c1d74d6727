"""Where a worker's CPU goes: run a Python module under a CPU sampler, write what it found.

``python bench/soaking/sampler.py OUT.json -m bot serve …`` runs ``python -m bot serve …`` and,
every ``INTERVAL`` seconds, reads each thread's own CPU clock; a thread whose clock moved since
the last look had its CPU time in the code it is in now, so the time is charged to its stack.
Waiting threads (a lock, a socket, a sleep) cost nothing and are charged nothing, which a plain
wall-clock sampler or cProfile's default timer cannot tell apart. py-spy would do this from
outside; it is not installed here. The sampler's own thread is left out, and it costs the
worker a few per cent.

SIGUSR1 forgets what was sampled so far (the start-up), so the file shows the burst the soak
sends after it. At exit (SIGTERM ends ``serve`` cleanly) it writes OUT.json: CPU seconds per
function, self and cumulative (each function counted once per stack), and per thread-name
prefix. ``--profile`` of
``bench/soak.py --only postgres`` starts the workers this way and prints the top of it.
"""

from __future__ import annotations

import json
import re
import runpy
import signal
import sys
import threading
import time
from collections import Counter
from types import FrameType

INTERVAL = 0.005


def _where(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    for marker in ("/site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    else:
        path = re.sub(r"^.*?/(bot|tests|bench)/", r"\1/", path)
    return f"{path}:{code.co_name}"


class Sampler:
    """Charge each thread's CPU time, as it moves, to the stack the thread is in."""

    def __init__(self) -> None:
        self.own: Counter[str] = Counter()
        self.cumulative: Counter[str] = Counter()
        self.by_thread: Counter[str] = Counter()
        self.total = 0.0
        self._clocks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def reset(self, *_: object) -> None:
        """Forget what was sampled so far (SIGUSR1: the burst to measure begins)."""
        self.own.clear()
        self.cumulative.clear()
        self.by_thread.clear()
        self.total = 0.0

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(INTERVAL):
            frames = sys._current_frames()
            names = {t.ident: t.name for t in threading.enumerate()}
            for ident, frame in frames.items():
                if ident == me:
                    continue
                try:
                    now = time.clock_gettime(time.pthread_getcpuclockid(ident))
                except (OSError, OverflowError):
                    continue
                used = now - self._clocks.get(ident, now)
                self._clocks[ident] = now
                if used <= 0:
                    continue
                self.total += used
                name = re.sub(r"[-_]?\d+$", "", names.get(ident, "?"))
                self.by_thread[name] += used
                seen = set()
                self.own[_where(frame)] += used
                walk: FrameType | None = frame
                while walk is not None:
                    where = _where(walk)
                    if where not in seen:
                        seen.add(where)
                        self.cumulative[where] += used
                    walk = walk.f_back

    def write(self, path: str) -> None:
        self._stop.set()
        report = {
            "cpu_seconds": round(self.total, 3),
            "by_thread": {k: round(v, 3) for k, v in self.by_thread.most_common()},
            "own": {k: round(v, 3) for k, v in self.own.most_common(200)},
            "cumulative": {k: round(v, 3) for k, v in self.cumulative.most_common(400)},
        }
        with open(path, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=1)


def main() -> None:
    out, flag, module, *args = sys.argv[1:]
    assert flag == "-m", "usage: sampler.py OUT.json -m MODULE [ARGS…]"
    sampler = Sampler()
    signal.signal(signal.SIGUSR1, sampler.reset)
    sampler.start()
    sys.argv = [module, *args]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        sampler.write(out)


if __name__ == "__main__":
    main()
