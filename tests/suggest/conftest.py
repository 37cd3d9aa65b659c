"""Fixtures for ``map suggest`` tests: the generated layouts, and projects built from them
with the suggested settings and with settings written by hand."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tests.suggest.layouts import LAYOUTS, Layout
from ticketlake import Project
from ticketlake.cli.main import app


def run_cli(*args: str) -> tuple[int, str, str]:
    """``ticketlake ARGS...`` in-process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@dataclass(frozen=True)
class Built:
    """One layout ingested and built twice: with the suggestion as written, and by hand."""

    layout: Layout
    suggested: Project
    hand: Project
    suggestion: str


def _exports(root: Path, layout: Layout) -> Path:
    target = root / "exports" / layout.file.name
    target.parent.mkdir(parents=True)
    shutil.copy(layout.file, target)
    return target


def suggested_project(root: Path, layout: Layout) -> tuple[Project, str]:
    """A project whose ticketlake.yml is what ``map suggest --out`` wrote, unedited."""
    file = _exports(root, layout)
    code, _, err = run_cli("-p", str(root), "map", "suggest", str(file), "--out",
                           str(root / "ticketlake.yml"))  # fmt: skip
    assert code == 0, err
    return Project(root), (root / "ticketlake.yml").read_text(encoding="utf-8")


def hand_project(root: Path, layout: Layout) -> Project:
    """A project configured with the layout's hand-written settings."""
    _exports(root, layout)
    hand: dict[str, Any] = yaml.safe_load(yaml.safe_dump(layout.hand))
    hand["sources"][0]["path"] = f"exports/{layout.file.name}"
    (root / "ticketlake.yml").write_text(yaml.safe_dump(hand, sort_keys=False), encoding="utf-8")
    return Project(root)


def ingest_and_build(project: Project) -> Project:
    """Ingest the project's one source and build the warehouse."""
    outcome = project.ingest(source=project.settings.sources[0].name)
    assert not outcome.failed, [b.reason for b in outcome.failed]
    project.build()
    return project


@pytest.fixture(scope="module", params=sorted(LAYOUTS))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Each layout, built once per module from its suggestion and from its hand mapping."""
    base = tmp_path_factory.mktemp(request.param)
    layout = LAYOUTS[request.param](base)
    suggested, text = suggested_project(base / "suggested", layout)
    hand = hand_project(base / "hand", layout)
    return Built(layout, ingest_and_build(suggested), ingest_and_build(hand), text)
