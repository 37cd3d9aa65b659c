"""The ledger per source, and the warnings ``status`` shows beside it.

:func:`warnings` is the one place ``status`` asks what deserves a look. Today it knows what
the ledger tells: failed files and rows still in quarantine; :func:`sources` adds the
mapping-health lines of engine/health.py, so both read the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from ticketlake.ingest.report import _iso

SOURCE_FIELDS = ("source", "files", "skipped", "failed", "rows_in", "rows_loaded",
                 "rows_quarantined", "duplicates", "last_batch", "last_batch_at")  # fmt: skip

# One row per source, in the order sources were first ingested; retries move rows from
# quarantine to loaded without new input rows or files.
_SOURCES_SQL = """
WITH files AS (
    SELECT source, min(seq) AS first_seq,
        count(*) FILTER (WHERE status = 'committed' AND retry_of IS NULL) AS files,
        count(*) FILTER (WHERE status = 'skipped') AS skipped,
        count(*) FILTER (WHERE status = 'failed') AS failed,
        coalesce(sum(rows_in) FILTER (WHERE status = 'committed' AND retry_of IS NULL), 0) AS rows_in,
        coalesce(sum(rows_loaded) FILTER (WHERE status = 'committed'), 0) AS rows_loaded,
        coalesce(sum(duplicates) FILTER (WHERE status = 'committed'), 0) AS duplicates,
        arg_max(batch_id, seq) AS last_batch, max(finished_at) AS last_batch_at
    FROM ledger GROUP BY source
), open AS (
    SELECT source, count(*) AS n FROM quarantine WHERE released_by IS NULL GROUP BY source
)
SELECT source, files, skipped, failed, rows_in, rows_loaded, coalesce(open.n, 0),
    duplicates, last_batch, last_batch_at
FROM files LEFT JOIN open USING (source)
ORDER BY first_seq
"""


def sources(
    con: duckdb.DuckDBPyConnection, health: Mapping[str, list[str]] | None = None
) -> list[dict[str, Any]]:
    """Files, rows in, loaded, quarantined (still open) and the last batch of each source,
    with the :func:`warnings` about it and its mapping-health lines from ``health``."""
    rows = [
        dict(zip(SOURCE_FIELDS, row, strict=True)) for row in con.execute(_SOURCES_SQL).fetchall()
    ]
    found = warnings(con)
    for source, lines in (health or {}).items():
        found.setdefault(source, []).extend(lines)
    for row in rows:
        row["last_batch_at"] = _iso(row["last_batch_at"])
        row["warnings"] = found.get(row["source"], [])
    return rows


def warnings(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """One line per thing worth a look in the ledger, by source: failed files and rows still
    quarantined (mapping health, engine/health.py, adds what the mapping leaves unknown)."""
    found: dict[str, list[str]] = {}
    for source, failed, quarantined in con.execute(_FAILED_AND_OPEN_SQL).fetchall():
        if failed:
            found.setdefault(source, []).append(
                f"{failed} file(s) failed: ticketlake status --batches --source {source}"
            )
        if quarantined:
            found.setdefault(source, []).append(
                f"{quarantined} row(s) quarantined: ticketlake quarantine"
            )
    return found


_FAILED_AND_OPEN_SQL = """
SELECT source, count(*) FILTER (WHERE status = 'failed'),
    (SELECT count(*) FROM quarantine q WHERE q.source = l.source AND q.released_by IS NULL)
FROM ledger l GROUP BY source ORDER BY min(seq)
"""
