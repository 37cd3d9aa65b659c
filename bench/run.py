"""The benchmark: ticketlake's stages at scale, side by side with two baselines, in one run.

``python -m bench.run --scale smoke|small|full [--only NAME ...] [--skip NAME ...]``

For every workload of the scale (bench/workloads.py) the files are generated once (cached
under bench/work/data/), then each stage runs in its own process so its wall time and peak
memory are its own:

- ticketlake: ``ingest`` (the configured source), ``build``, then the KPI commands;
- for the snapshot workloads, the near-limit DuckDB reference and the pandas baseline of
  seed 000 on the same files, and a check that both compute ticketlake's lifecycle figures;
- incremental: a backfill of all days but the last (ingest + build), then the last day
  (ingest + build), then ``build --full`` and a table-by-table comparison.

Results go to bench/results/<scale>-<timestamp>.json (``--out`` to choose);
``python -m bench.report`` turns them into the README table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from bench import compare, targets
from bench.common import (
    MB,
    PINNED,
    PYTHON,
    RESULTS,
    TICKETLAKE,
    WORK,
    Measured,
    csv_stats,
    machine,
    measure,
    rerun_at,
)
from bench.workloads import SCALES, Workload, ensure
from ticketlake import Project

FORMATS = {"snapshots": "snapshots", "tickets": "tickets", "events": "eventlog"}
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


def main(argv: list[str] | None = None) -> Path:
    """Run the benchmark; return the path of the results file."""
    args = _parse(argv)
    if args.at and os.environ.get(PINNED) is None:
        return rerun_at(args.at, "bench.run", argv if argv is not None else sys.argv[1:], args.work)
    workloads = [w for w in SCALES[args.scale]
                 if (not args.only or w.name in args.only) and w.name not in args.skip]  # fmt: skip
    out = args.out or RESULTS / f"{args.scale}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "scale": args.scale,
        "started_at": _now(),
        "machine": machine(),
        "ticketlake_source": os.environ.get(PINNED) or "installed (working tree)",
        "notes": "Wall times of separate processes on a shared machine; see bench/README.md.",
        "workloads": {},
    }
    for workload in workloads:
        _log(f"{workload.name}: {workload.key}")
        folder, generated = ensure(workload, args.work)
        run_dir = args.work / "runs" / args.scale / workload.name
        shutil.rmtree(run_dir, ignore_errors=True)
        run_dir.mkdir(parents=True)
        runner = _incremental if workload.role == "incremental" else _workload
        entry = runner(workload, folder, run_dir)
        entry["generation"] = generated
        results["workloads"][workload.name] = entry
        results["targets"] = targets.evaluate(results)
        out.write_text(json.dumps(results, indent=2, default=str))
        if not args.keep:
            shutil.rmtree(run_dir, ignore_errors=True)
    results["finished_at"] = _now()
    results["targets"] = targets.evaluate(results)
    out.write_text(json.dumps(results, indent=2, default=str))
    _log(f"results: {out}")
    if args.print_out:
        print(out)
    return out


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--only", nargs="*", default=[], help="Run only these workloads.")
    parser.add_argument("--skip", nargs="*", default=[], help="Leave these workloads out.")
    parser.add_argument("--out", type=Path, help="Results file (default bench/results/...).")
    parser.add_argument("--work", type=Path, default=WORK, help="Cache and scratch folder.")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch projects.")
    parser.add_argument("--print-out", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--at", metavar="REV",
                        help="Benchmark ticketlake's src/ as of this git revision (exported "
                             "under the work folder), not the working tree.")  # fmt: skip
    return parser.parse_args(argv)


# ---------------------------------------------------------------- ticketlake


def tl(project: Path, *args: str) -> list[str]:
    """A ticketlake command line against ``project``."""
    return [TICKETLAKE, "-p", str(project), *args]


def new_project(root: Path, shape: str, exports: Path) -> Path:
    """A project (``ticketlake init``) whose one source reads ``exports``."""
    project = root / "project"
    project.mkdir(parents=True)
    config = Project(project).init()
    entry = f"  - name: {SOURCE}\n    format: {FORMATS[shape]}\n    path: {exports}\n"
    text = config.read_text(encoding="utf-8").replace("sources: []\n", f"sources:\n{entry}", 1)
    config.write_text(text, encoding="utf-8")
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


def model_timings(warehouse: Path) -> list[dict[str, Any]]:
    """Per model of the last build: mode, rows and seconds (from ``_models.built_at``, the
    time each model finished; the first model's clock starts at ``_build.built_at``)."""
    con = duckdb.connect(str(warehouse.resolve()), read_only=True)
    try:
        start = con.execute("SELECT built_at FROM _build").fetchall()[0][0]
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


def _workload(workload: Workload, folder: Path, run_dir: Path) -> dict[str, Any]:
    """ticketlake's stages on one workload; for snapshots also both baselines."""
    files = sorted(folder.glob("*.csv"))
    rows, size = _input(folder)
    project = new_project(run_dir, workload.shape, folder)
    engine = engine_settings(project)
    limit = engine["memory_limit_bytes"]
    _log(f"  ticketlake ingest ({len(files)} files, {rows:,} rows, {size / MB:,.0f} MB)")
    ingested = ingest(project)
    _log(f"    {ingested.seconds:.1f} s; build")
    built = build(project)
    _log(f"    {built.seconds:.1f} s; kpis")
    kpi_runs = kpis(project, workload.shape, run_dir, first_only=workload.smoke)
    stages = {"ingest": stage([ingested], rows, size, limit),
              "build": stage([built], rows, size, limit),
              "kpis": stage(kpi_runs, rows, size, limit)}  # fmt: skip
    pipeline = stage([ingested, built], rows, size, limit)
    with_kpis = stage([ingested, built, *kpi_runs], rows, size, limit)
    warehouse = project / "warehouse" / "ticketlake.duckdb"
    entry: dict[str, Any] = {
        "workload": _params(workload),
        "input": {"files": len(files), "rows": rows, "bytes": size},
        "engine": engine,
        "ticketlake": {
            "stages": stages,
            "pipeline": pipeline,
            "pipeline_with_kpis": with_kpis,
            "lake": lake_totals(project),
            "models": model_timings(warehouse),
            "disk_bytes": _du(project),
        },
    }
    if workload.role == "snapshots":
        entry.update(_baselines(folder, run_dir, engine, rows, size, warehouse, entry))
    return entry


def _baselines(folder: Path, run_dir: Path, engine: dict[str, Any], rows: int, size: int,
               warehouse: Path, entry: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """Both baselines on the same files, their ratios and their agreement with ticketlake."""
    want = compare.ticketlake_lifecycle(warehouse, SOURCE)
    found: dict[str, Any] = {"baselines": {}, "ratios": {}, "equivalence": {}}
    tl_seconds = entry["ticketlake"]["pipeline"]["seconds"]
    tl_kpis = entry["ticketlake"]["pipeline_with_kpis"]["seconds"]
    tl_cpu = entry["ticketlake"]["pipeline"]["cpu_seconds"]
    for name, module in (("near_limit", "bench.baseline_duckdb"),
                         ("pandas", "bench.baseline_pandas")):  # fmt: skip
        _log(f"  {name}")
        out = run_dir / f"{name}.json"
        work = run_dir / name
        run = measure(name, [PYTHON, "-m", module, str(folder), str(work), str(out),
                             "--memory-limit", engine["memory_limit"],
                             "--threads", str(engine["threads"])])  # fmt: skip
        _log(f"    {run.seconds:.1f} s")
        figures = json.loads(out.read_text())
        result = stage([run], rows, size, engine["memory_limit_bytes"])
        result["steps"] = {k: round(v, 3) for k, v in figures["steps"].items()}
        result["summary"] = figures["summary"]
        found["baselines"][name] = result
        found["ratios"][f"pipeline_vs_{name}"] = round(tl_seconds / run.seconds, 2)
        found["ratios"][f"pipeline_with_kpis_vs_{name}"] = round(tl_kpis / run.seconds, 2)
        found["ratios"][f"pipeline_cpu_vs_{name}"] = round(tl_cpu / run.cpu_seconds, 2)
        problems = compare.lifecycle_mismatches(want, figures)
        found["equivalence"][name] = {"equal": not problems, "mismatches": problems}
        shutil.rmtree(work, ignore_errors=True)
    found["ticketlake"] = entry["ticketlake"] | {"lifecycle_summary": want["summary"]}
    return found


def _incremental(workload: Workload, folder: Path, run_dir: Path) -> dict[str, Any]:
    """Backfill all days but the last, add the last; compare with a full rebuild."""
    files = sorted(folder.glob("*.csv"))
    exports = run_dir / "exports"
    exports.mkdir()
    project = new_project(run_dir, workload.shape, exports)
    engine = engine_settings(project)
    limit = engine["memory_limit_bytes"]
    for path in files[:-1]:
        _link(path, exports / path.name)
    rows, size = _input(exports)
    _log(f"  backfill: {len(files) - 1} files, {rows:,} rows")
    backfill = [ingest(project, "backfill ingest"), build(project, "backfill build")]
    _link(files[-1], exports / files[-1].name)
    new_rows, new_size = _input(exports, [files[-1].name])
    _log(f"    {sum(r.seconds for r in backfill):.1f} s; last day: {new_rows:,} rows")
    day = [ingest(project, "day ingest"), build(project, "day build")]
    warehouse = project / "warehouse" / "ticketlake.duckdb"
    day_models = model_timings(warehouse)
    kept = run_dir / "incremental.duckdb"
    os.link(warehouse.resolve(), kept)
    _log(f"    {sum(r.seconds for r in day):.1f} s; full rebuild and comparison")
    rebuilt = build(project, "full rebuild", full=True)
    same = compare.warehouses(kept, warehouse.resolve())
    backfill_s = sum(r.seconds for r in backfill)
    day_s = sum(r.seconds for r in day)
    return {
        "workload": _params(workload),
        "input": {
            "backfill_files": len(files) - 1,
            "backfill_rows": rows,
            "backfill_bytes": size,
            "day_rows": new_rows,
            "day_bytes": new_size,
        },
        "engine": engine,
        "backfill": {
            "ingest": stage(backfill[:1], rows, size, limit),
            "build": stage(backfill[1:], rows, size, limit),
            "seconds": round(backfill_s, 3),
        },
        "day": {
            "ingest": stage(day[:1], new_rows, new_size, limit),
            "build": stage(day[1:], new_rows, new_size, limit),
            "seconds": round(day_s, 3),
            "models": day_models,
        },
        "day_share_of_backfill": round(day_s / backfill_s, 4),
        "full_rebuild": stage([rebuilt], rows + new_rows, size + new_size, limit),
        "equal_to_full_rebuild": same,
    }


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _input(folder: Path, names: list[str] | None = None) -> tuple[int, int]:
    paths = [folder / n for n in names] if names is not None else None
    _, rows, size = csv_stats(folder, paths)
    return rows, size


def _params(workload: Workload) -> dict[str, Any]:
    return {"name": workload.name, "shape": workload.shape, "tickets": workload.tickets,
            "days": workload.days, "seed": workload.seed, "key": workload.key}  # fmt: skip


def _du(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
