"""Fixtures for mart and KPI tests: a project built from small hand-written exports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ticketlake import Project

Builder = Callable[..., Project]


@pytest.fixture
def build_mart(tmp_path: Path) -> Builder:
    """``build_mart({"events.csv": text}, fmt="eventlog", settings="kpis: {...}")`` writes the
    files into an export folder, ingests them as one source (named ``source``) with the given
    format, builds the warehouse and returns the project. ``settings`` is YAML appended to the
    default ticketlake.yml (later keys override earlier ones)."""
    counter = iter(range(1_000))

    def build(files: dict[str, str], fmt: str = "eventlog", source: str = "desk",
              settings: str = "") -> Project:  # fmt: skip
        root = tmp_path / f"project{next(counter)}"
        exports = root / "exports" / source
        exports.mkdir(parents=True)
        for name, text in files.items():
            (exports / name).write_text(text, encoding="utf-8")
        project = Project(root)
        config = project.init()
        text = config.read_text(encoding="utf-8").replace(
            "sources: []\n",
            f"sources:\n  - name: {source}\n    format: {fmt}\n    path: exports/{source}\n",
            1,
        )
        config.write_text(text + "\n" + settings, encoding="utf-8")
        project = Project(root)
        outcome = project.ingest(source=source)
        assert not outcome.failed, [b.reason for b in outcome.failed]
        project.build()
        return project

    return build


def rows(project: Project, sql: str) -> list[tuple[object, ...]]:
    """The rows of a read-only query on the project's warehouse."""
    return project.query(sql)[1]
