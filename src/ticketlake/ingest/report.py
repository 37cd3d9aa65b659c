"""Read-side summaries of ingestion: the ledger with totals, and the quarantine."""

from __future__ import annotations

from typing import Any

import duckdb

BATCH_FIELDS = ("batch_id", "source", "format", "path", "sha256", "status", "reason", "rows_in",
                "rows_loaded", "rows_quarantined", "duplicates", "started_at", "finished_at")  # fmt: skip

# Totals over the ledger; retries move rows from quarantine to loaded without new input rows.
_TOTALS_SQL = """
SELECT
    count(*) FILTER (WHERE status = 'committed' AND retry_of IS NULL) AS files_committed,
    count(*) FILTER (WHERE status = 'skipped') AS files_skipped,
    count(*) FILTER (WHERE status = 'failed') AS files_failed,
    count(*) FILTER (WHERE retry_of IS NOT NULL) AS retries,
    coalesce(sum(rows_in) FILTER (WHERE status = 'committed' AND retry_of IS NULL), 0) AS rows_in,
    coalesce(sum(rows_loaded) FILTER (WHERE status = 'committed'), 0) AS rows_loaded,
    (SELECT count(*) FROM quarantine WHERE released_by IS NULL) AS rows_quarantined,
    coalesce(sum(duplicates) FILTER (WHERE status = 'committed'), 0) AS duplicates,
    (SELECT count(*) FROM ticket_events) AS events,
    (SELECT count(*) FROM (SELECT DISTINCT source, ticket_id FROM ticket_events)) AS tickets,
    (SELECT count(*) FROM ticket_links) AS links
FROM ledger
"""


def status(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The ledger (oldest first) and totals, in the stable shape of ``status --format json``."""
    cols = ", ".join(BATCH_FIELDS)
    rel = con.execute(f"SELECT {cols} FROM ledger ORDER BY seq, started_at")
    batches = [dict(zip(BATCH_FIELDS, row, strict=True)) for row in rel.fetchall()]
    for b in batches:
        b["started_at"] = _iso(b["started_at"])
        b["finished_at"] = _iso(b["finished_at"])
    cur = con.execute(_TOTALS_SQL)
    names = [d[0] for d in cur.description or ()]
    row = cur.fetchall()[0]
    return {"batches": batches, "totals": {n: int(v) for n, v in zip(names, row, strict=True)}}


def quarantine(con: duckdb.DuckDBPyConnection, batch: str | None = None,
               include_released: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    """Quarantined rows, oldest batch first; only those still open unless asked otherwise."""
    where = ["(? IS NULL OR batch_id = ?)"]
    if not include_released:
        where.append("released_by IS NULL")
    rel = con.execute(f"""SELECT batch_id, source, source_file AS file, source_line AS line,
            column_name AS "column", error_class, reason, raw, released_by
        FROM quarantine WHERE {' AND '.join(where)}
        ORDER BY batch_seq, source_file, source_line""", [batch, batch])  # fmt: skip
    names = [d[0] for d in rel.description or ()]
    return [dict(zip(names, row, strict=True)) for row in rel.fetchall()]


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"
