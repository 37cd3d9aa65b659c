"""``ticketlake demo``: every stage that exists, end to end, on generated data."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ticketlake.project import Project
from ticketlake.synth import SHAPES

DEMO_TICKETS = 5_000
DEMO_DAYS = 60
DIRTY_RATE = 0.01


@dataclass(frozen=True)
class Step:
    """One thing the demo did, for the summary table."""

    step: str
    shape: str
    files: int
    rows: int
    defects: int
    path: str


# Demo sources: name -> (format, folder under exports/).
SOURCES = {"helpdesk": ("tickets", "tickets"), "daily": ("snapshots", "snapshots"),
           "events": ("eventlog", "events"), "contacts": ("interactions", "interactions"),
           "portal": ("json", "json"), "helpdesk_dirty": ("tickets", "tickets_dirty")}  # fmt: skip


def run(out: Path) -> list[Step]:
    """Create a project in ``out``, generate every export shape into ``out/exports`` and
    ingest each one as a configured source."""
    project = Project(out)
    steps = []
    if not project.is_initialised:
        path = project.init()
        _add_sources(path)
        steps.append(Step("init", "-", 1, 0, 0, str(path)))
    exports = project.root / "exports"
    shutil.rmtree(exports, ignore_errors=True)
    for shape in SHAPES:
        result = project.generate(shape, exports / shape, tickets=DEMO_TICKETS, days=DEMO_DAYS)
        steps.append(Step("generate", shape, len(result.files), result.rows, 0, str(result.out)))
    dirty = project.generate("tickets", exports / "tickets_dirty", tickets=DEMO_TICKETS,
                             days=DEMO_DAYS, dirty=DIRTY_RATE)  # fmt: skip
    injected = len((dirty.manifest or {}).get("defects", []))
    steps.append(Step("generate --dirty", "tickets", len(dirty.files), dirty.rows, injected,
                      str(dirty.out)))  # fmt: skip
    project = Project(out)
    steps += _ingest(project)
    built = project.build()
    tickets = project.query("SELECT count(*) FROM tickets")[1][0][0]
    steps.append(Step("build", ", ".join(built.models), len(built.models), int(str(tickets)), 0,
                      str(project.warehouse.path)))  # fmt: skip
    return steps


def _add_sources(config: Path) -> None:
    """Point the new project's ``sources`` at the demo exports."""
    entries = "".join(f"  - name: {name}\n    format: {fmt}\n    path: exports/{folder}\n"
                      for name, (fmt, folder) in SOURCES.items())  # fmt: skip
    text = config.read_text(encoding="utf-8").replace("sources: []\n", f"sources:\n{entries}", 1)
    config.write_text(text, encoding="utf-8")


def _ingest(project: Project) -> list[Step]:
    steps = []
    for name in SOURCES:
        if not any(s.name == name for s in project.settings.sources):
            continue
        outcome = project.ingest(source=name)
        done = [b for b in outcome.batches if b.status != "skipped"]
        steps.append(Step("ingest", name, len(done), sum(b.rows_loaded for b in done),
                          sum(b.rows_quarantined for b in done), project.settings.paths.lake))  # fmt: skip
    return steps
