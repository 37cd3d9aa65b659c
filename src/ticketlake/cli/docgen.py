"""Render ``docs/cli.md`` from the commands' ``--help`` (``make docs``)."""

from __future__ import annotations

import os

from typer.models import CommandInfo
from typer.testing import CliRunner

from ticketlake.cli.main import app

HEADER = """# Command line reference

Generated from `ticketlake --help` by `make docs`; a test fails when this file is stale.
"""


def command_names() -> list[str]:
    """Every registered command, in registration order, then each group and its commands."""
    names = [_name(c) for c in app.registered_commands]
    for group in app.registered_groups:
        sub = group.typer_instance
        if sub is not None:
            names += [
                f"{group.name}",
                *(f"{group.name} {_name(c)}" for c in sub.registered_commands),
            ]
    return names


def _name(command: CommandInfo) -> str:
    return command.name or (command.callback.__name__ if command.callback else "")


def help_text(args: list[str]) -> str:
    """Plain ``--help`` output of ``ticketlake ARGS`` at a fixed width."""
    env = {"COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1", "TICKETLAKE_PROJECT": "."}
    result = CliRunner().invoke(app, [*args, "--help"], env=env, prog_name="ticketlake")
    return "\n".join(line.rstrip() for line in result.output.splitlines()).strip()


def render() -> str:
    """The whole reference page."""
    parts = [HEADER, "## ticketlake\n", "```text", help_text([]), "```\n"]
    for name in command_names():
        parts += [f"## ticketlake {name}\n", "```text", help_text(name.split()), "```\n"]
    return "\n".join(parts)


if __name__ == "__main__":
    os.environ.setdefault("COLUMNS", "100")
    print(render(), end="")
