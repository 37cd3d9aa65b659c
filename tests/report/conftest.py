"""A small project with every shape the report has to handle, built once per session, and
its report written once: an event log (``desk``: statuses, groups, responses), daily
snapshots (``snap``: system lag, no status) and a row-per-ticket export (``sheet``: no
snapshots, no history). Some of its labels are hostile (:data:`HOSTILE`): text that would
close, comment out or open a script if the page let data act as markup."""

from __future__ import annotations

import csv
from collections import Counter
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
# Labels the report must show as text, in place of the generated labels they name: groups
# and a status, then the busiest agent and place (found when the data is written), so that
# every chart of groups, agents, places, statuses and variants shows one of them.
HOSTILE = {
    "Service Desk": "Ops <!--<script>",
    "Desktop Support": "</script><script>alert(1)</script>",
    "Application Support": 'Apps "A" &amp; <b>B</b>',
    "Awaiting Customer": 'Waiting <!--<script> "you"',
}
HOSTILE_BUSIEST = {"agent": "Zoë\u2028O'Neil\u2029 [/x] :smile:", "place": "Berlin <!-- & Co"}
HOSTILE_LABELS = (*HOSTILE.values(), *HOSTILE_BUSIEST.values())
# Columns of the event log and the sheet that hold labels, and what kind of label each is.
LABELS = {
    "assignment_group": "group",
    "queue": "group",
    "status": "status",
    "assignee": "agent",
    "agent": "agent",
    "changed_by": "agent",
    "location": "place",
}


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
    _make_hostile(
        sorted((root / "exports").glob("desk/*.csv"))
        + sorted((root / "exports").glob("sheet/*.csv"))
    )
    config = Project(root).init()
    sources = "".join(f"  - name: {n}\n    format: {f}\n    path: exports/{n}\n"
                      for n, f, _ in SOURCES)  # fmt: skip
    status = HOSTILE["Awaiting Customer"].replace("'", "''")
    text = (
        config.read_text(encoding="utf-8")
        .replace("sources: []\n", f"sources:\n{sources}", 1)
        .replace("statuses:\n", f"statuses:\n  '{status}': pending\n", 1)
    )
    config.write_text(text, encoding="utf-8")
    project = Project(root)
    run = project.run()
    assert not run.failed, [b.reason for b in run.failed]
    return project


def _make_hostile(files: list[Path]) -> None:
    """Rewrite the CSV ``files`` with the hostile labels in place of the generated ones."""
    tables = [_read(f) for f in files]
    swap = dict(HOSTILE)
    for kind, label in HOSTILE_BUSIEST.items():
        counts = Counter(
            row[column]
            for table in tables
            for row in table
            for column, what in LABELS.items()
            if what == kind and row.get(column)
        )
        swap[counts.most_common(1)[0][0]] = label
    for path, table in zip(files, tables, strict=True):
        for row in table:
            row.update({c: swap.get(row[c], row[c]) for c in LABELS if c in row})
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(table[0]))
            writer.writeheader()
            writer.writerows(table)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The project, ingested and built (read-only for the tests)."""
    return make_project(tmp_path_factory.mktemp("report_project"))


@pytest.fixture(scope="session")
def written(built: Project, tmp_path_factory: pytest.TempPathFactory) -> Written:
    """The report of START to END, written once into a folder of its own."""
    result = built.report(tmp_path_factory.mktemp("report_out"), START, END)
    return Written(built, result, result.html.read_text(encoding="utf-8"))
