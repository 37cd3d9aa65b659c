"""ticketlake's side of a benchmark run: a scratch project with one source over a workload's
files, its stages (``ingest``, ``build``, the KPI commands) each measured in its own process,
and what the harness reads back from the project afterwards (the lake's totals and per-file
ingest seconds, the per-model build times)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from bench import targets
from bench.common import MB, TICKETLAKE, Measured, measure
from ticketlake import Project

FORMATS = {"snapshots": "snapshots", "tickets": "tickets", "events": "eventlog", "xes": "xes"}
SOURCE = "bench"
# KPI commands per shape (the KPI stage runs each in its own process, output as JSON).
KPIS: dict[str, list[list[str]]] = {
    "snapshots": [["lifecycle"], ["kpis", "lifecycle"], ["kpis", "update_intervals"],
                  ["kpis", "update_lag"], ["kpis", "volume", "--by", "week"]],
    "tickets": [["kpis", "volume", "--by", "week"], ["kpis", "backlog", "--by", "week"],
                ["kpis", "response_time", "--by", "priority"],
                ["kpis", "resolution_time", "--by", "priority"], ["kpis", "target_attainment"]],
    "events": [["kpis", "volume", "--by", "week"], ["kpis", "backlog", "--by", "week"],
               ["kpis", "resolution_time", "--by", "priority"], ["kpis", "reopen_rate"],
               ["flow"]],
}  # fmt: skip


def tl(project: Path, *args: str) -> list[str]:
    """A ticketlake command line against ``project``."""
    return [TICKETLAKE, "-p", str(project), *args]


def new_project(root: Path, shape: str, exports: Path, memory_limit: str | None = None) -> Path:
    """A project (``ticketlake init``) whose one source reads ``exports``, with
    ``engine.memory_limit`` set to ``memory_limit`` when given."""
    project = root / "project"
    project.mkdir(parents=True)
    config = Project(project).init()
    entry = f"  - name: {SOURCE}\n    format: {FORMATS[shape]}\n    path: {exports}\n"
    text = config.read_text(encoding="utf-8").replace("sources: []\n", f"sources:\n{entry}", 1)
    if memory_limit is not None:
        text = re.sub(r"(?m)^  memory_limit: .*$", f"  memory_limit: {memory_limit}", text, count=1)
    config.write_text(text, encoding="utf-8")
    if memory_limit is not None and Project(project).settings.engine.memory_limit != memory_limit:
        raise RuntimeError(f"{config}: could not set engine.memory_limit to {memory_limit}")
    return project


def engine_settings(project: Path) -> dict[str, Any]:
    """The DuckDB memory limit and threads in effect for ``project``."""
    engine = Project(project).settings.engine
    return {"memory_limit": engine.memory_limit,
            "memory_limit_bytes": targets.size_bytes(engine.memory_limit),
            "threads": engine.threads}  # fmt: skip


def ingest(project: Path, label: str = "ingest") -> Measured:
    return measure(label, tl(project, "-q", "ingest", "--source", SOURCE))


def build(project: Path, label: str = "build", full: bool = False) -> Measured:
    return measure(label, tl(project, "-q", "build", *(["--full"] if full else [])))


def kpis(project: Path, shape: str, out_dir: Path, first_only: bool = False) -> list[Measured]:
    """Each KPI command of the shape (or the first), its JSON output kept in ``out_dir``."""
    runs = []
    for number, command in enumerate(KPIS[shape][:1] if first_only else KPIS[shape]):
        runs.append(measure(" ".join(command), tl(project, *command, "--format", "json"),
                            stdout=out_dir / f"kpi{number}.json"))  # fmt: skip
    return runs


def lake_totals(project: Path) -> dict[str, Any]:
    """``ticketlake status``'s totals (rows in, loaded, quarantined, events)."""
    return dict(Project(project).status()["totals"])


def file_seconds(project: Path) -> list[dict[str, Any]]:
    """Each committed file of the lake's ledger, in commit order, with its rows and seconds:
    from its batch's start to the next batch's start (reading, validation, Parquet writes and
    its commit), the last one to the commit of the latest manifest version."""
    manifest = Project(project).lake.manifest()
    committed = [b for b in manifest.batches if b.status == "committed"]
    batches = sorted(committed, key=lambda b: (b.seq, b.started_at))
    ends = [b.started_at for b in batches[1:]] + [manifest.committed_at]
    return [
        {"file": Path(b.path).name, "rows": b.rows_in, "seconds": _seconds(b.started_at, end)}
        for b, end in zip(batches, ends, strict=True)
        if end is not None
    ]


def _seconds(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds(), 4)


def failure(run: Measured) -> dict[str, Any]:
    """What the results keep of a stage that failed."""
    return {
        "stage": run.label,
        "returncode": run.returncode,
        "seconds": round(run.seconds, 3),
        "peak_rss_bytes": run.peak_rss_bytes,
        "stderr_tail": run.stderr_tail[-500:],
    }


def model_timings(warehouse: Path) -> list[dict[str, Any]]:
    """Per model of the last build: mode, rows and seconds (from ``_models.built_at``, the
    time each model finished; the first model's clock starts when the build did, the UTC
    second its name begins with, ``20240105T080012-3f9c1a2b``)."""
    catalog = warehouse.resolve()
    start = datetime.strptime(catalog.stem.split("-")[0], "%Y%m%dT%H%M%S")
    con = duckdb.connect(str(catalog), read_only=True)
    try:
        rows = con.execute("SELECT model, mode, rows_changed, built_at FROM _models "
                           "WHERE done_gen = (SELECT max(done_gen) FROM _models) "
                           "ORDER BY built_at").fetchall()  # fmt: skip
    finally:
        con.close()
    found, previous = [], start
    for model, mode, rows_changed, built_at in rows:
        found.append({"model": model, "mode": mode, "rows": rows_changed,
                      "seconds": round((built_at - previous).total_seconds(), 3)})  # fmt: skip
        previous = built_at
    return found


def stage(runs: list[Measured], rows: int, size: int, limit: int | None = None) -> dict[str, Any]:
    """One stage (one or more processes run one after another): seconds, peak, throughput."""
    seconds = sum(r.seconds for r in runs)
    peak = max(r.peak_rss_bytes for r in runs)
    entry: dict[str, Any] = {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(sum(r.cpu_seconds for r in runs), 3),
        "peak_rss_bytes": peak,
        "rows_per_s": round(rows / seconds) if seconds else None,
        "mb_per_s": round(size / MB / seconds, 2) if seconds else None,
        "load_before": round(max(r.load_before for r in runs), 2),
    }
    if limit is not None:
        entry["under_memory_limit"] = peak <= limit
    if len(runs) > 1:
        entry["commands"] = [{"label": r.label, "seconds": round(r.seconds, 3),
                              "cpu_seconds": round(r.cpu_seconds, 3),
                              "peak_rss_bytes": r.peak_rss_bytes} for r in runs]  # fmt: skip
    return entry
