"""Issue 16's first hour with a real export, for each of the three layouts: read with the
nearest format and no mapping, ``check`` names what is not understood and exits 1; with
the suggestion ``map suggest`` wrote, unedited, ``check`` passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.suggest.conftest import Built, run_cli
from tests.suggest.layouts import LAYOUTS
from ticketlake import Project

# The format a user would try first on each layout, without a mapping.
NEAREST = {"github": "json", "bpi2013": "eventlog", "servicenow": "tickets"}
# What check must name without a mapping: the field or column it could not read.
UNREAD = {"github": ("priority",), "bpi2013": ("ticket_id",), "servicenow": ("opened_at",)}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_without_a_mapping_check_names_what_it_cannot_read(tmp_path: Path, name: str) -> None:
    (tmp_path / "exports").mkdir()
    layout = LAYOUTS[name](tmp_path / "exports")
    project = Project(tmp_path / "bare")
    project.root.mkdir()
    project.init()
    run_cli("-p", str(project.root), "ingest", str(layout.file), "--format", NEAREST[name])
    code, _, err = run_cli("-p", str(project.root), "check")
    breaches = [line for line in err.splitlines() if line.startswith("breach: ")]
    assert code == 1 and breaches, err
    named = ("unknown or missing", "not loaded", "rows quarantined")
    assert all(any(n in b for n in named) for b in breaches), breaches
    assert any(column in "".join(breaches) for column in UNREAD[name]), breaches


def test_with_the_unedited_suggestion_check_passes(built: Built) -> None:
    code, _, err = run_cli("-p", str(built.suggested.root), "check")
    assert code == 0, err
    assert "breach" not in err
