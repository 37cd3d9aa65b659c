"""A small project with every shape the report has to handle, built once per session, and
its report written once: an event log (``desk``: statuses, groups, responses), daily
snapshots (``snap``: system lag, no status) and a row-per-ticket export (``sheet``: no
snapshots, no history)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from ticketlake import Project
from ticketlake.report import ReportResult
from ticketlake.synth import Options, write_shape

SOURCES = (("desk", "eventlog", "events"), ("snap", "snapshots", "snapshots"),
           ("sheet", "tickets", "tickets"))  # fmt: skip
OPTIONS = Options(tickets=300, days=60, start=date(2024, 1, 1), seed=11)
# A fixed period inside the data, with a previous period of the same length inside it too.
START, END = date(2024, 2, 5), date(2024, 2, 25)


@dataclass(frozen=True)
class Written:
    """The project and the report written for START to END."""

    project: Project
    result: ReportResult
    html: str


def make_project(root: Path) -> Project:
    """Generate the three sources into ``root/exports``, configure them and run the daily
    job (ingest, then build)."""
    for name, _fmt, shape in SOURCES:
        write_shape(shape, root / "exports" / name, OPTIONS)
    config = Project(root).init()
    sources = "".join(f"  - name: {n}\n    format: {f}\n    path: exports/{n}\n"
                      for n, f, _ in SOURCES)  # fmt: skip
    text = config.read_text(encoding="utf-8").replace("sources: []\n", f"sources:\n{sources}", 1)
    config.write_text(text, encoding="utf-8")
    project = Project(root)
    run = project.run()
    assert not run.failed, [b.reason for b in run.failed]
    return project


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The project, ingested and built (read-only for the tests)."""
    return make_project(tmp_path_factory.mktemp("report_project"))


@pytest.fixture(scope="session")
def written(built: Project, tmp_path_factory: pytest.TempPathFactory) -> Written:
    """The report of START to END, written once into a folder of its own."""
    result = built.report(tmp_path_factory.mktemp("report_out"), START, END)
    return Written(built, result, result.html.read_text(encoding="utf-8"))
