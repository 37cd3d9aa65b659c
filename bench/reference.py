"""What the baseline scripts share: their command line, and for the near-limit DuckDB
references the one pass they all make.

A near-limit reference is what a DuckDB user who knows the files would write: one
``COPY (SELECT ... FROM read_csv(every file, explicit columns)) TO parquet``, so it also pays
for a columnar copy as ticketlake's lake does, then the figures from that Parquet file under
ticketlake's engine settings. No validation, ledger, lineage or warehouse.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

Compute = Callable[[duckdb.DuckDBPyConnection], dict[str, Any]]
Run = Callable[[Path, Path, str, int], dict[str, Any]]


def connect(work: Path, memory_limit: str, threads: int) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with ticketlake's engine settings, spilling under ``work``."""
    spill = str(work / "tmp")
    con = duckdb.connect(
        config={"memory_limit": memory_limit, "threads": threads, "temp_directory": spill}
    )
    con.execute("SET TimeZone = 'UTC'")
    return con


def literal(path: Path) -> str:
    """``path`` as a SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def near_limit(
    csv_dir: Path,
    work: Path,
    memory_limit: str,
    threads: int,
    *,
    parse: str,
    view: str,
    compute: Compute,
) -> dict[str, Any]:
    """Write ``parse`` (a SELECT whose ``{glob}`` stands for the CSV files) to one
    Parquet file, expose it as ``view`` and ``compute`` the figures; time both steps."""
    work.mkdir(parents=True, exist_ok=True)
    parquet = work / f"{view}.parquet"
    con = connect(work, memory_limit, threads)
    try:
        started = time.perf_counter()
        select = parse.replace("{glob}", literal(csv_dir / "*.csv"))
        con.execute(f"COPY ({select}) TO {literal(parquet)} (FORMAT parquet)")
        steps = {"parse_write_parquet": time.perf_counter() - started}
        started = time.perf_counter()
        con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet({literal(parquet)})")
        figures = compute(con)
        steps["metrics"] = time.perf_counter() - started
    finally:
        con.close()
    return {"steps": steps, "parquet_bytes": parquet.stat().st_size, **figures}


def records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    """The rows of ``sql`` as dictionaries."""
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def main(doc: str | None, run: Run) -> None:
    """Command line of a baseline script: ``CSV_DIR WORK OUT [--memory-limit] [--threads]``;
    writes what ``run`` returns to OUT as JSON."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("csv_dir", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    result = run(args.csv_dir, args.work, args.memory_limit, args.threads)
    args.out.write_text(json.dumps(result, indent=2, default=str))
