"""Run ``python -m bot serve --port 0`` as a real subprocess and find the port it printed.

    bot = OfinProcess(env={"SLACK_API_URL": fake.api_url, "OFIN_DB": str(db)}, cwd=tmp_path)
    bot.start()             # waits for "ofin: serving on http://127.0.0.1:PORT/slack/events"
    bot.events_url          # where to send signed requests
    bot.restart()           # stop (SIGTERM) and start again on a new port, same database
    bot.stop()
    bot.log()               # what the process wrote to stderr, for failure messages

The child gets a clean environment: no SLACK_* / OFIN_* from the developer's shell, the working
directory ``cwd`` (so no stray .env is read), and the repository on PYTHONPATH.
"""

from __future__ import annotations

import os
import queue
import re
import resource
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
READY = re.compile(r"^ofin: serving on (http://\S+)$")
BOT_TOKEN = "xoxb-test-token"
SIGNING_SECRET = "test-signing-secret"


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """os.environ without Slack/ofin settings, plus the repository on PYTHONPATH, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OFIN_"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


class OfinProcess:
    """One bot subprocess in HTTP mode."""

    def __init__(
        self,
        env: dict[str, str],
        cwd: Path,
        args: tuple[str, ...] = ("serve", "--port", "0"),
        max_file_bytes: int | None = None,
        python: tuple[str, ...] = ("-m", "bot"),
    ) -> None:
        defaults = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
        self.env = clean_env({**defaults, **env})
        self.cwd = Path(cwd)
        self.args = args
        self.max_file_bytes = max_file_bytes  # RLIMIT_FSIZE: a "disk" that fills up
        self.python = python  # what follows the interpreter: "-m bot", or "-c <code>"
        self.proc: subprocess.Popen[str] | None = None
        self.events_url = ""
        self.base_url = ""
        self._stderr_path = self.cwd / "ofin-stderr.log"

    @property
    def db_path(self) -> Path:
        """The SQLite file the bot writes to (OFIN_DB, relative to cwd)."""
        return self.cwd / self.env.get("OFIN_DB", "./data/ofin.db")

    def start(self, timeout: float = 30.0) -> OfinProcess:
        """Start the process and wait for its "serving on" line."""
        stderr = open(self._stderr_path, "a", encoding="utf-8")  # noqa: SIM115 - lives with proc
        self.proc = subprocess.Popen(
            [sys.executable, *self.python, *self.args],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            preexec_fn=self._limit if self.max_file_bytes else None,
        )
        stderr.close()
        lines: queue.Queue[str | None] = queue.Queue()

        def read() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                lines.put(line.rstrip("\n"))
            lines.put(None)

        threading.Thread(target=read, daemon=True).start()
        try:
            first = lines.get(timeout=timeout)
        except queue.Empty:
            self.stop()
            raise RuntimeError(f"ofin did not start within {timeout}s:\n{self.log()}") from None
        match = READY.match(first or "")
        if not match:
            self.stop()
            raise RuntimeError(f"ofin did not start (first line {first!r}):\n{self.log()}")
        self.events_url = match.group(1)
        self.base_url = self.events_url.rsplit("/slack/events", 1)[0]
        return self

    def _limit(self) -> None:
        assert self.max_file_bytes is not None
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.max_file_bytes, self.max_file_bytes))

    def stop(self, timeout: float = 10.0) -> int | None:
        """Stop the process (SIGTERM, then SIGKILL); return its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        code = self.proc.returncode
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None
        return code

    def restart(self) -> OfinProcess:
        """Stop and start again (same environment and database, a new port)."""
        self.stop()
        return self.start()

    def log(self) -> str:
        """Everything the process wrote to stderr so far."""
        try:
            return self._stderr_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""
