"""The benchmark: ticketlake's stages at scale, side by side with two baselines, in one run.

``python -m bench.run --scale smoke|small|full [--only NAME ...] [--skip NAME ...]``

For every workload of the scale (bench/workloads.py) the files are generated once (cached
under bench/work/data/), then each stage runs in its own process so its wall time and peak
memory are its own:

- ticketlake: ``ingest`` (the configured source), ``build``, then the KPI commands; the
  seconds of each file of the ingest from the lake's ledger;
- the shape's references on the same files (``REFERENCES``: a near-limit DuckDB pass for
  every shape, seed 000's pandas pipeline for the snapshots), and a check that each computes
  ticketlake's figures (``compare.CHECKS``: the lifecycle figures of the snapshots, the
  headline figures of the tickets and events);
- incremental: a backfill of all days but the last (ingest + build), then the last day
  (ingest + build), then ``build --full`` and a table-by-table comparison.

A workload may set its own ``engine.memory_limit`` (the ten-times snapshots run within 1GB);
ticketlake and the references get that limit. A stage that fails ends its workload, which is
recorded with the failure, and the run goes on with the next workload.

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

from bench import compare, targets
from bench.common import (
    MB,
    PINNED,
    PYTHON,
    RESULTS,
    WORK,
    Measured,
    StageError,
    csv_stats,
    machine,
    measure,
    rerun_at,
)
from bench.stages import (
    SOURCE,
    build,
    engine_settings,
    failure,
    file_seconds,
    ingest,
    kpis,
    lake_totals,
    model_timings,
    new_project,
    stage,
)
from bench.workloads import SCALES, Workload, ensure

# The references of each shape: name in the results -> module run as a script.
REFERENCES: dict[str, dict[str, str]] = {
    "snapshots": {"near_limit": "bench.baseline_duckdb", "pandas": "bench.baseline_pandas"},
    "tickets": {"near_limit": "bench.baseline_tickets"},
    "events": {"near_limit": "bench.baseline_events"},
}


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
        entry: dict[str, Any] = {"workload": _params(workload), "generation": generated}
        results["workloads"][workload.name] = entry
        runner = _incremental if workload.role == "incremental" else _workload
        try:
            runner(workload, folder, run_dir, entry)
        except StageError as exc:
            _log(f"  {exc.measured.label} failed (exit {exc.measured.returncode})")
            entry["failed"] = failure(exc.measured)
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


def _workload(workload: Workload, folder: Path, run_dir: Path, entry: dict[str, Any]) -> None:
    """ticketlake's stages on one workload, then the shape's references on the same files;
    filled into ``entry`` as they finish, so a failed stage leaves the ones before it."""
    files = sorted(folder.glob("*.csv"))
    rows, size = _input(folder)
    project = new_project(run_dir, workload.shape, folder, workload.memory_limit)
    engine = engine_settings(project)
    limit = engine["memory_limit_bytes"]
    entry.update(input={"files": len(files), "rows": rows, "bytes": size}, engine=engine)
    stages: dict[str, Any] = {}
    entry["ticketlake"] = {"stages": stages}
    _log(f"  ticketlake ingest ({len(files)} files, {rows:,} rows, {size / MB:,.0f} MB)")
    ingested = ingest(project)
    stages["ingest"] = stage([ingested], rows, size, limit)
    entry["ticketlake"]["files"] = file_seconds(project)
    _log(f"    {ingested.seconds:.1f} s; build")
    built = build(project)
    stages["build"] = stage([built], rows, size, limit)
    _log(f"    {built.seconds:.1f} s; kpis")
    kpi_runs = kpis(project, workload.shape, run_dir, first_only=workload.smoke)
    stages["kpis"] = stage(kpi_runs, rows, size, limit)
    warehouse = project / "warehouse" / "ticketlake.duckdb"
    entry["ticketlake"].update(
        pipeline=stage([ingested, built], rows, size, limit),
        pipeline_with_kpis=stage([ingested, built, *kpi_runs], rows, size, limit),
        lake=lake_totals(project),
        models=model_timings(warehouse),
        disk_bytes=_du(project),
    )
    entry.update(_references(workload, folder, run_dir, warehouse, entry))


def _references(
    workload: Workload, folder: Path, run_dir: Path, warehouse: Path, entry: dict[str, Any]
) -> dict[str, Any]:
    """The shape's references on the same files, their ratios and their agreement with
    ticketlake's figures (``compare.CHECKS``)."""
    check = compare.CHECKS[workload.shape]
    want = check.read(warehouse, SOURCE)
    entry["ticketlake"][f"{check.name}_summary"] = want["summary"]
    found: dict[str, Any] = {"baselines": {}, "ratios": {}, "equivalence": {}}
    for name, module in REFERENCES[workload.shape].items():
        _log(f"  {name}")
        try:
            run = _reference(name, module, folder, run_dir, entry["engine"])
        except StageError as exc:
            found["baselines"][name] = failure(exc.measured)
            found["equivalence"][name] = {"equal": False, "mismatches": [f"{name} failed"]}
            continue
        _log(f"    {run.seconds:.1f} s")
        figures = json.loads((run_dir / f"{name}.json").read_text())
        found["baselines"][name] = _reference_entry(run, figures, entry)
        found["ratios"].update(_ratios(name, run, entry["ticketlake"]))
        problems = check.mismatches(want, figures)
        found["equivalence"][name] = {"equal": not problems, "mismatches": problems}
    return found


def _reference(
    name: str, module: str, folder: Path, run_dir: Path, engine: dict[str, Any]
) -> Measured:
    """Run one reference script on ``folder`` under the workload's engine settings; its
    figures go to ``run_dir/<name>.json``."""
    work = run_dir / name
    paths = [str(folder), str(work), str(run_dir / f"{name}.json")]
    settings = ["--memory-limit", engine["memory_limit"], "--threads", str(engine["threads"])]
    try:
        return measure(name, [PYTHON, "-m", module, *paths, *settings])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _reference_entry(
    run: Measured, figures: dict[str, Any], entry: dict[str, Any]
) -> dict[str, Any]:
    inp, engine = entry["input"], entry["engine"]
    result = stage([run], inp["rows"], inp["bytes"], engine["memory_limit_bytes"])
    result["steps"] = {k: round(v, 3) for k, v in figures["steps"].items()}
    result["summary"] = figures["summary"]
    return result


def _ratios(name: str, run: Measured, tl: dict[str, Any]) -> dict[str, float]:
    """ticketlake's pipeline (and with its KPIs; and in CPU seconds) over the reference's."""
    return {
        f"pipeline_vs_{name}": round(tl["pipeline"]["seconds"] / run.seconds, 2),
        f"pipeline_with_kpis_vs_{name}": round(
            tl["pipeline_with_kpis"]["seconds"] / run.seconds, 2
        ),
        f"pipeline_cpu_vs_{name}": round(tl["pipeline"]["cpu_seconds"] / run.cpu_seconds, 2),
    }


def _incremental(workload: Workload, folder: Path, run_dir: Path, entry: dict[str, Any]) -> None:
    """Backfill all days but the last, add the last; compare with a full rebuild."""
    files = sorted(folder.glob("*.csv"))
    exports = run_dir / "exports"
    exports.mkdir()
    project = new_project(run_dir, workload.shape, exports, workload.memory_limit)
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
    found = {
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
    entry.update(found)


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
