"""`python -m bot`: ofin's command line (bot/cli.py), under the project's virtualenv if need be."""

from bot.terminal.bootstrap import ensure_dependencies

ensure_dependencies()

from bot.cli import cli  # noqa: E402  (only once the dependencies are importable)

cli(prog_name="python -m bot")
