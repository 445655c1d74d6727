"""Every command of the ofin CLI has help, with an example for each leaf command."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from bot.cli import cli


def leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        if isinstance(command, click.Group):
            found += leaf_commands(command, path)
        else:
            found.append(path)
    return found


COMMANDS = leaf_commands(cli)


def test_the_cli_has_the_documented_commands() -> None:
    assert set(COMMANDS) >= {
        ("ask",),
        ("kb", "check"),
        ("kb", "export"),
        ("console",),
        ("serve",),
        ("scores", "export"),
    }


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    assert len(result.output.splitlines()) > 4


def test_version_comes_from_the_package_metadata() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"ofin {version('ofin')}"
