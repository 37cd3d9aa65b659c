"""Near-limit reference: one DuckDB pass parses every snapshot CSV and writes one Parquet
file, then seed 000's lifecycle metrics are computed from it; nothing else (no validation,
no ledger, no warehouse).

``python -m bench.baseline_duckdb CSV_DIR WORK_DIR OUT_JSON [--memory-limit 2GB --threads 2]``
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from bench import lifecycle_sql

PARSE_AND_WRITE = """
COPY (
    SELECT
        strptime(regexp_extract(filename, '([0-9]{{8}})[^/]*$', 1), '%Y%m%d')::DATE
            AS snapshot_date,
        make_timestamp(_ts * 1000000) AS observed_at,
        issueId AS issue_id,
        id,
        customerId AS customer_id,
        lastModified AS last_modified,
        createdTimeUtc AS created_at,
        lastModifiedTimeUtc AS modified_at
    FROM read_csv({glob}, header = true, filename = true, columns = {{
        '_ts': 'BIGINT', 'issueId': 'VARCHAR', 'id': 'VARCHAR', 'customerId': 'VARCHAR',
        'lastModified': 'TIMESTAMP', 'createdTimeUtc': 'TIMESTAMP',
        'lastModifiedTimeUtc': 'TIMESTAMP'}})
) TO {parquet} (FORMAT parquet)
"""


def run(csv_dir: Path, work: Path, memory_limit: str, threads: int) -> dict[str, object]:
    """Parse and write, then compute; the seconds of each step and the figures."""
    work.mkdir(parents=True, exist_ok=True)
    parquet = work / "snapshots.parquet"
    con = duckdb.connect(config={"memory_limit": memory_limit, "threads": threads,
                                 "temp_directory": str(work / "tmp")})  # fmt: skip
    con.execute("SET TimeZone = 'UTC'")
    steps = {}
    started = time.perf_counter()
    glob = "'" + str(csv_dir / "*.csv").replace("'", "''") + "'"
    con.execute(PARSE_AND_WRITE.format(glob=glob, parquet=f"'{parquet}'"))
    steps["parse_write_parquet"] = time.perf_counter() - started
    started = time.perf_counter()
    con.execute(f"CREATE VIEW snap AS SELECT * FROM read_parquet('{parquet}')")
    figures = lifecycle_sql.compute(con)
    steps["lifecycle_metrics"] = time.perf_counter() - started
    con.close()
    return {"steps": steps, "parquet_bytes": parquet.stat().st_size, **figures}


if __name__ == "__main__":
    lifecycle_sql.main(__doc__, run)
