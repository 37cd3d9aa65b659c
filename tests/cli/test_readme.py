"""Every ``ticketlake -p demo`` example in README.md works as written on the demo project."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ticketlake.cli.main import app

README = Path(__file__).parents[2] / "README.md"
EXAMPLES = [line.split("  #")[0].strip() for line in README.read_text(encoding="utf-8").splitlines()
            if line.startswith("ticketlake -p demo ")]  # fmt: skip


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize(
    "example",
    [
        pytest.param(e, marks=pytest.mark.slow) if " report " in e or e.endswith(" run") else e
        for e in EXAMPLES
    ],  # the run writes the report too
)
def test_a_readme_example_works(
    demo_project: Path, monkeypatch: pytest.MonkeyPatch, example: str
) -> None:
    """Run from the folder holding ``demo``, as the README says: exit 0, no error line."""
    monkeypatch.chdir(demo_project.parent)
    result = CliRunner().invoke(app, shlex.split(example)[1:], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr or result.exception
    assert not re.search(r"^(error|internal error):", result.stderr, flags=re.M)
    assert result.stdout.strip() or result.stderr.strip()
