"""Fixtures for ingestion tests: fresh projects and helpers to run the CLI in-process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ticketlake import Project
from ticketlake.cli.main import app


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An initialised, empty project."""
    p = Project(tmp_path / "project")
    p.root.mkdir()
    p.init()
    return p


@pytest.fixture
def cli(project: Project) -> Callable[..., tuple[int, str, str]]:
    """Run ``ticketlake -p PROJECT ARGS...``; returns (exit code, stdout, stderr)."""
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, ["-p", str(project.root), *args])
        return result.exit_code, result.stdout, result.stderr

    return run
