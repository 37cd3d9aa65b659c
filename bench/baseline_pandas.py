"""The pandas baseline of seed 000: pandas reads each daily CSV, normalises the column names
and the timestamps (UTC), and writes one Parquet file per CSV; DuckDB (a database file, as
seed 000 recommends) loads the Parquet files into a table; the lifecycle metrics are
computed there.

``python -m bench.baseline_pandas CSV_DIR WORK_DIR OUT_JSON [--memory-limit 2GB --threads 2]``
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pandas as pd

from bench import lifecycle_sql, reference

# Seed 000's column_map: export names to normalised ones.
COLUMNS = {
    "_ts": "observed_at",
    "issueId": "issue_id",
    "id": "id",
    "customerId": "customer_id",
    "lastModified": "last_modified",
    "createdTimeUtc": "created_at",
    "lastModifiedTimeUtc": "modified_at",
}
TIMES = ("last_modified", "created_at", "modified_at")


def to_parquet(csv: Path, out: Path) -> int:
    """One CSV to one Parquet file; the number of rows."""
    frame = pd.read_csv(csv, dtype={"issueId": str, "id": str, "customerId": str})
    frame = frame.rename(columns=COLUMNS)
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], unit="s")
    for column in TIMES:
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601").dt.tz_localize(
            None
        )
    frame["snapshot_date"] = pd.Timestamp(csv.name[:8]).date()
    # DuckDB keeps microseconds; truncate the seventh fractional digit the same way.
    frame.to_parquet(out, index=False, coerce_timestamps="us", allow_truncated_timestamps=True)
    return len(frame)


def run(csv_dir: Path, work: Path, memory_limit: str, threads: int) -> dict[str, object]:
    """Convert, load, compute; the seconds of each step and the figures."""
    parquet_dir = work / "parquet"
    parquet_dir.mkdir(parents=True, exist_ok=True)
    steps = {}
    started = time.perf_counter()
    rows = sum(to_parquet(csv, parquet_dir / f"{csv.stem}.parquet")
               for csv in sorted(csv_dir.glob("*.csv")))  # fmt: skip
    steps["pandas_csv_to_parquet"] = time.perf_counter() - started
    database = work / "lifecycle.duckdb"
    database.unlink(missing_ok=True)
    con = duckdb.connect(str(database), config={"memory_limit": memory_limit, "threads": threads})
    con.execute("SET TimeZone = 'UTC'")
    started = time.perf_counter()
    con.execute(f"CREATE TABLE snapshots AS SELECT * FROM read_parquet('{parquet_dir}/*.parquet')")
    con.execute("CHECKPOINT")
    steps["duckdb_load"] = time.perf_counter() - started
    started = time.perf_counter()
    con.execute("CREATE VIEW snap AS SELECT * FROM snapshots")
    figures = lifecycle_sql.compute(con)
    steps["lifecycle_metrics"] = time.perf_counter() - started
    con.close()
    return {"steps": steps, "rows": rows, **figures}


if __name__ == "__main__":
    reference.main(__doc__, run)
