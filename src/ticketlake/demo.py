"""``ticketlake demo``: every stage that exists, end to end, on generated data."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ticketlake import report
from ticketlake.common import extras
from ticketlake.common.sqltext import lit
from ticketlake.project import Project
from ticketlake.synth import SHAPES
from ticketlake.text import MODULES as TEXT_MODULES

DEMO_TICKETS = 5_000
DEMO_DAYS = 60
DIRTY_RATE = 0.01
# Every source holds the same desk, so a figure for the desk as a whole is read from one of
# them, never summed over all: the event log, which has every ticket the desk still holds,
# every status change and every assignment.
STORY = "events"
THEMES_SOURCE = "helpdesk"  # the event log carries no text; the help desk's export does


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
# The shapes the demo writes: those its sources read (the vendor presets' shapes are left out;
# each would be the same desk once more).
DEMO_SHAPES = tuple(folder for _, folder in SOURCES.values() if folder in SHAPES)


class Watch(Protocol):
    """What the demo says as it goes: the stage, each file it ingests, the rows read."""

    def stage(self, text: str) -> None: ...
    def file(self, number: int, total: int, name: str) -> None: ...
    def rows(self, name: str, rows: int, size: int) -> None: ...


class _Quiet:
    """A :class:`Watch` that says nothing."""

    def stage(self, text: str) -> None:
        """Ignore the stage."""

    def file(self, number: int, total: int, name: str) -> None:
        """Ignore the file."""

    def rows(self, name: str, rows: int, size: int) -> None:
        """Ignore the rows."""


def run(out: Path, tickets: int = DEMO_TICKETS, days: int = DEMO_DAYS, charts: bool = True,
        watch: Watch | None = None) -> list[Step]:  # fmt: skip
    """Create a project in ``out``, generate the demo's export shapes of one desk (``tickets`` over
    ``days``) into ``out/exports``, ingest each one as a configured source, build, export and (with
    ``charts``) write the report, telling ``watch`` each stage."""
    watch = watch or _Quiet()
    project = Project(out)
    steps = []
    if not project.is_initialised:
        path = project.init()
        _add_sources(path)
        steps.append(Step("init", "-", 1, 0, 0, str(path)))
    exports = project.root / "exports"
    shutil.rmtree(exports, ignore_errors=True)
    for shape in DEMO_SHAPES:
        watch.stage(f"generating {shape}")
        result = project.generate(shape, exports / shape, tickets=tickets, days=days)
        steps.append(Step("generate", shape, len(result.files), result.rows, 0, str(result.out)))
    dirty = project.generate("tickets", exports / "tickets_dirty", tickets=tickets, days=days,
                             dirty=DIRTY_RATE)  # fmt: skip
    injected = len((dirty.manifest or {}).get("defects", []))
    steps.append(Step("generate --dirty", "tickets", len(dirty.files), dirty.rows, injected,
                      str(dirty.out)))  # fmt: skip
    project = Project(out)
    steps += _ingest(project, watch)
    watch.stage("building")
    built = project.build(on_model=lambda name: watch.stage(f"building {name}"))
    steps.append(Step("build", f"{len(built.models)} models", len(built.models),
                      desk_tickets(project), 0, str(project.warehouse.path)))  # fmt: skip
    watch.stage("exporting")
    exported = project.export(project.root / "mart", "csv")
    steps.append(Step("export", "csv", len(exported), sum(e.rows for e in exported), 0,
                      str(project.root / "mart")))  # fmt: skip
    if charts:
        watch.stage("writing the report")
        steps.append(_report(project))
    return steps


def _report(project: Project) -> Step:
    """Write the report into ``report/`` of the demo project, when the extra is installed."""
    absent = report.missing()
    if absent:
        return Step("report", "skipped: pip install 'ticketlake[report]'", 0, 0, 0, "")
    done = project.report(project.root / "report")
    return Step("report", "html, png", 1 + len(done.pngs), len(done.drawn), 0, str(done.html))


def desk_tickets(project: Project) -> int:
    """The desk's tickets, counted once (in the ``STORY`` source), not once per source."""
    sql = f"SELECT count(*) FROM fact_ticket WHERE source = {lit(STORY)}"
    return int(str(project.query(sql)[1][0][0]))


def summary(project: Project) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The headline KPIs per source, and the desk's five busiest technicians (from the
    ``STORY`` source alone: each source would list the same people again)."""
    by_source: dict[str, dict[str, Any]] = {}
    for name, columns in _HEADLINES.items():
        for row in project.kpi(name, by=["source"]).to_pylist():
            line = by_source.setdefault(row["source"], {"source": row["source"]})
            line.update({label: row[column] for label, column in columns.items()})
    agents = project.kpi("agent_load", by=["source", "agent"], source=STORY).to_pylist()
    busiest = sorted(agents, key=lambda r: (-r["assigned"], r["source"], r["agent"]))[:5]
    keep = ("source", "agent", "assigned", "resolved", "active_days", "assigned_per_active_day")
    return list(by_source.values()), [{k: r[k] for k in keep} for r in busiest]


# KPI -> {summary column: KPI column}, for the demo's headline table.
_HEADLINES = {
    "volume": {"created": "created", "resolved": "resolved"},
    "backlog": {"open_now": "open_tickets"},
    "resolution_time": {"median_resolution_h": "median_hours"},
    "target_attainment": {"resolution_target_%": "resolution_attainment_pct",
                          "response_target_%": "response_attainment_pct"},
}  # fmt: skip


def _add_sources(config: Path) -> None:
    """Point the new project's ``sources`` at the demo exports, and turn on themes and
    sentiment of ticket text when the ``text`` extra is installed."""
    entries = "".join(f"  - name: {name}\n    format: {fmt}\n    path: exports/{folder}\n"
                      for name, (fmt, folder) in SOURCES.items())  # fmt: skip
    text = config.read_text(encoding="utf-8").replace("sources: []\n", f"sources:\n{entries}", 1)
    if not extras.missing(*TEXT_MODULES):
        text += "\ntext:\n  enabled: true\n"
    config.write_text(text, encoding="utf-8")


def themes(project: Project, top: int = 5) -> list[dict[str, Any]]:
    """The ``top`` themes of the help desk's tickets with their outcomes (none when the
    build has no themes)."""
    if not project.settings.text.enabled:
        return []
    keep = ("label", "tickets", "median_resolution_hours", "breach_rate_pct", "mean_sentiment")
    rows = project.themes(source=THEMES_SOURCE).to_pylist()
    return [{k: r[k] for k in keep} for r in rows if r["theme"] is not None][:top]


def _ingest(project: Project, watch: Watch) -> list[Step]:
    steps = []
    for name in SOURCES:
        if not any(s.name == name for s in project.settings.sources):
            continue
        watch.stage(f"ingesting {name}")
        outcome = project.ingest(source=name, progress=watch.rows, on_file=watch.file)
        done = [b for b in outcome.batches if b.status != "skipped"]
        steps.append(Step("ingest", name, len(done), sum(b.rows_loaded for b in done),
                          sum(b.rows_quarantined for b in done), project.settings.paths.lake))  # fmt: skip
    return steps
