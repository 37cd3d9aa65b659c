"""Where ticketlake's time goes: ingest and build of one workload under pyinstrument.

``python -m bench.profile [--scale full] [--workload snapshots]`` (needs ``pip install
pyinstrument``; a dev-only tool, not a dependency). Profiling slows the run, so its times
are not the benchmark's. Writes ``bench/results/profile-<scale>-<workload>/``: the
pyinstrument text trees of ``ingest`` and ``build``, the per-model build times, and
``summary.json`` with the time of ingest split by step (outermost matching frame wins):
hashing and decoding checks, CSV parsing into Arrow, loading into DuckDB, validation and
transformation SQL, Parquet writes, and ledger/manifest commits.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

from bench.common import BIN, PINNED, PYTHON, RESULTS, TICKETLAKE, WORK, measure, rerun_at
from bench.run import _log
from bench.stages import SOURCE, model_timings, new_project
from bench.workloads import SCALES, ensure

# Ingest steps by the function that does them (module suffix, function name).
INGEST_STEPS = {
    "plan: hash + encoding check (fingerprint)": [("ingest/targets.py", "plan")],
    "parse CSV into Arrow (csv module)": [("sources/readers.py", "_csv_chunks")],
    "load chunks into DuckDB (raw table)": [("ingest/pipeline.py", "_append")],
    "validate + events SQL (stage.transform)": [("ingest/stage.py", "transform")],
    "row counts (rows_in)": [("common/duck.py", "scalar")],
    "write Parquet (bronze, events, quarantine)": [("lake/lake.py", "write_batch")],
    "commit ledger + manifest": [("lake/lake.py", "commit"), ("lake/lake.py", "record"),
                                 ("lake/lake.py", "flush")],
    "remove orphans / lock": [("lake/lake.py", "remove_orphans")],
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--workload", default="snapshots")
    parser.add_argument("--at", metavar="REV", help="Profile src/ as of this git revision.")
    parser.add_argument("--print-out", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sql-ingest", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sql_ingest:
        print(json.dumps(sql_times(args.sql_ingest)))
        return
    if args.at and os.environ.get(PINNED) is None:
        rerun_at(args.at, "bench.profile", sys.argv[1:])
        return
    workload = next(w for w in SCALES[args.scale] if w.name == args.workload)
    folder, _ = ensure(workload)
    out = RESULTS / f"profile-{args.scale}-{workload.name}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    run_dir = WORK / "runs" / "profile" / workload.name
    shutil.rmtree(run_dir, ignore_errors=True)
    project = new_project(run_dir, workload.shape, folder)
    source = os.environ.get(PINNED) or "installed (working tree)"
    summary: dict[str, Any] = {"workload": workload.key, "ticketlake_source": source}
    for step, command in (("ingest", ["-q", "ingest", "--source", SOURCE]),
                          ("build", ["-q", "build"])):  # fmt: skip
        session = run_dir / f"{step}.pyisession"
        run = measure(f"profile {step}", [str(BIN / "pyinstrument"), "-r", "pyisession",
                                          "-o", str(session), "-i", "0.005", TICKETLAKE,
                                          "-p", str(project), *command])  # fmt: skip
        summary[step] = {"seconds": round(run.seconds, 2), "peak_rss_bytes": run.peak_rss_bytes}
        measure(f"render {step}", [str(BIN / "pyinstrument"), "--load", str(session), "-r", "text",
                                   "--show-all", "-o", str(out / f"{step}.txt")], check=False)  # fmt: skip
        if step == "ingest":
            summary[step]["steps"] = split(session, INGEST_STEPS)
    _log("ingest again, timing each SQL statement")
    fresh = new_project(run_dir / "sql", workload.shape, folder)
    timed = measure("sql ingest", [PYTHON, "-m", "bench.profile", "--sql-ingest", str(fresh)],
                    stdout=run_dir / "sql.json")  # fmt: skip
    summary["ingest_statements"] = json.loads((run_dir / "sql.json").read_text())
    summary["ingest_statements"]["wall_seconds"] = round(timed.seconds, 2)
    shutil.rmtree(fresh, ignore_errors=True)
    summary["models"] = sorted(model_timings(project / "warehouse" / "ticketlake.duckdb"),
                               key=lambda m: -m["seconds"])  # fmt: skip
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2), file=sys.stderr)
    shutil.rmtree(project, ignore_errors=True)  # the pyinstrument sessions stay in run_dir
    print(out / "summary.json")


def split(session_path: Path, steps: dict[str, list[tuple[str, str]]]) -> dict[str, float]:
    """Seconds per step: the time of the outermost frames matching each step's functions."""
    from pyinstrument.session import Session  # noqa: PLC0415 - a dev-only tool, not a dependency

    root = Session.load(str(session_path)).root_frame()
    found = dict.fromkeys(steps, 0.0)
    found["other"] = 0.0
    total = root.time if root else 0.0

    def visit(frame: Any) -> None:
        for step, names in steps.items():
            if any((frame.file_path or "").endswith(suffix) and frame.function == name
                   for suffix, name in names):  # fmt: skip
                found[step] += frame.time
                return
        for child in frame.children:
            visit(child)

    if root:
        visit(root)
    found["other"] = total - sum(v for k, v in found.items() if k != "other")
    return {k: round(v, 2) for k, v in found.items()}


# ---------------------------------------------------------------- SQL statements of ingest

_LABELS = [
    (re.compile(r"^COPY \(SELECT \* EXCLUDE \(_line, _raw\)"), "COPY bronze Parquet"),
    (re.compile(r"^COPY \(SELECT \* FROM (\w+)\)"), "COPY {0} Parquet"),
    (re.compile(r"^CREATE (?:OR REPLACE )?TEMP (?:TABLE|VIEW) (\w+)"), "create {0}"),
    (re.compile(r"^INSERT INTO problems WITH created"), "before-creation check (reads lake)"),
    (re.compile(r"^INSERT INTO (\w+)"), "insert {0}"),
    (re.compile(r"^SELECT \(SELECT count\(\*\) FROM valid"), "batch counts"),
    (re.compile(r"^SELECT \(SELECT count\(\*\) FROM raw\)"), "rows_in count"),
]


def _label(sql: str) -> str:
    text = " ".join(sql.split())
    for pattern, label in _LABELS:
        match = pattern.match(text)
        if match:
            return label.format(*match.groups())
    return text[:40]


class _TimedConnection:
    """A DuckDB connection that adds up the seconds of each kind of statement."""

    def __init__(self, con: Any, times: dict[str, list[float]]) -> None:
        self._con, self._times = con, times

    def execute(self, sql: str, *args: Any) -> Any:
        # DuckDB finds Arrow tables named in the SQL in the caller's frame only: pass them on.
        caller = inspect.currentframe().f_back.f_locals  # type: ignore[union-attr]
        tables = {n: v for n, v in caller.items() if isinstance(v, pa.Table) and n in sql}
        for name, table in tables.items():
            self._con.register(name, table)
        started = time.perf_counter()
        try:
            return self._con.execute(sql, *args)
        finally:
            entry = self._times.setdefault(_label(sql), [0.0, 0, []])
            entry[0] += time.perf_counter() - started
            entry[1] += 1
            entry[2].append(round(time.perf_counter() - started, 3))
            for name in tables:
                self._con.unregister(name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def sql_times(project: Path) -> dict[str, dict[str, float]]:
    """Ingest the project's source in this process, timing every DuckDB statement by kind."""
    import duckdb  # noqa: PLC0415

    from ticketlake import Project  # noqa: PLC0415
    from ticketlake.ingest import pipeline  # noqa: PLC0415

    times: dict[str, list[Any]] = {}
    real = duckdb.connect

    def connect(*args: Any, **kwargs: Any) -> Any:
        return _TimedConnection(real(*args, **kwargs), times)

    pipeline.duckdb.connect = connect  # type: ignore[assignment]
    started = time.perf_counter()
    Project(project).ingest(source=SOURCE)
    total = time.perf_counter() - started
    # Per-call seconds of the heavy statements show whether they grow with the lake.
    found = {k: {"seconds": round(v[0], 2), "calls": v[1], **({"per_call": v[2]} if v[0] > 1 else {})}
             for k, v in sorted(times.items(), key=lambda kv: -kv[1][0])}  # fmt: skip
    return {"total_seconds": round(total, 2), "statements": found}  # type: ignore[dict-item]


if __name__ == "__main__":
    main()
