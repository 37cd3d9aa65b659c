"""Near-limit reference for the snapshots: one DuckDB pass parses every snapshot CSV and
writes one Parquet file, then seed 000's lifecycle metrics are computed from it; nothing else
(no validation, no ledger, no warehouse).

``python -m bench.baseline_duckdb CSV_DIR WORK_DIR OUT_JSON [--memory-limit 2GB --threads 2]``
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench import lifecycle_sql, reference

PARSE = """
SELECT
    strptime(regexp_extract(filename, '([0-9]{8})[^/]*$', 1), '%Y%m%d')::DATE AS snapshot_date,
    make_timestamp(_ts * 1000000) AS observed_at,
    issueId AS issue_id,
    id,
    customerId AS customer_id,
    lastModified AS last_modified,
    createdTimeUtc AS created_at,
    lastModifiedTimeUtc AS modified_at
FROM read_csv({glob}, header = true, filename = true, columns = {
    '_ts': 'BIGINT', 'issueId': 'VARCHAR', 'id': 'VARCHAR', 'customerId': 'VARCHAR',
    'lastModified': 'TIMESTAMP', 'createdTimeUtc': 'TIMESTAMP',
    'lastModifiedTimeUtc': 'TIMESTAMP'})
"""


def run(csv_dir: Path, work: Path, memory_limit: str, threads: int) -> dict[str, Any]:
    """Parse and write, then compute; the seconds of each step and the figures."""
    return reference.near_limit(
        csv_dir,
        work,
        memory_limit,
        threads,
        parse=PARSE,
        view="snap",
        compute=lifecycle_sql.compute,
    )


if __name__ == "__main__":
    reference.main(__doc__, run)
