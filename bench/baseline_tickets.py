"""Near-limit reference for the tickets workload: one DuckDB pass parses every ticket CSV
(one row per ticket, UTC times) and writes one Parquet file, then the headline figures are
computed from it (bench/headline_sql.py), row by row.

``python -m bench.baseline_tickets CSV_DIR WORK_DIR OUT_JSON [--memory-limit 2GB --threads 2]``

ticketlake turns each row into one event per milestone (created, first response, resolved,
closed), the exported status on the latest of them. On the generated files the milestones
never run backwards, a resolution or closure time is filled only for a ticket whose status
is resolved, closed or cancelled, and every status is one the defaults map; there the events
reduce to this: the ticket is open from its creation until its first milestone in
resolved, closed or cancelled (the resolution, else the closure, else the latest milestone,
which carries the status), and if its status is resolved or closed that is its final
resolution. Nothing reopens within one row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from bench import headline_sql, reference
from bench.headline_sql import DONE, ENDED

PARSE = """
SELECT * FROM read_csv({glob}, header = true, columns = {
    'ticket_id': 'VARCHAR', 'created_at': 'TIMESTAMP', 'first_response_at': 'TIMESTAMP',
    'resolved_at': 'TIMESTAMP', 'closed_at': 'TIMESTAMP', 'status': 'VARCHAR',
    'priority': 'VARCHAR', 'category': 'VARCHAR', 'channel': 'VARCHAR', 'queue': 'VARCHAR',
    'support_level': 'VARCHAR', 'agent': 'VARCHAR', 'requester': 'VARCHAR',
    'customer': 'VARCHAR', 'location': 'VARCHAR', 'reopen_count': 'INTEGER',
    'reassignment_count': 'INTEGER', 'title': 'VARCHAR', 'description': 'VARCHAR'})
"""

ROWS = """
CREATE OR REPLACE TEMP TABLE hl_row AS
SELECT t.ticket_id, t.created_at,
       greatest(t.created_at, t.first_response_at, t.resolved_at, t.closed_at) AS last_event_at,
       coalesce(s.category, 'unknown') AS state,
       coalesce(t.resolved_at, t.closed_at, t.first_response_at, t.created_at) AS done_at
FROM tickets AS t LEFT JOIN hl_status AS s ON s.status = lower(trim(t.status))
"""

TICKETS = f"""
CREATE OR REPLACE TEMP TABLE hl_ticket AS
SELECT ticket_id, created_at, last_event_at,
       CASE WHEN state IN {DONE} THEN done_at END AS resolved_at
FROM hl_row
"""

OPEN_CHANGES = f"""
CREATE OR REPLACE TEMP TABLE hl_open_change AS
SELECT created_at AS changed_at, 1 AS delta FROM hl_row
UNION ALL
SELECT done_at, -1 FROM hl_row WHERE state IN {ENDED}
"""


def compute(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The headline figures over the view ``tickets``."""
    headline_sql.status_map(con)
    for statement in (ROWS, TICKETS, OPEN_CHANGES):
        con.execute(statement)
    return headline_sql.figures(con)


def run(csv_dir: Path, work: Path, memory_limit: str, threads: int) -> dict[str, Any]:
    """Parse and write, then compute; the seconds of each step and the figures."""
    return reference.near_limit(
        csv_dir, work, memory_limit, threads, parse=PARSE, view="tickets", compute=compute
    )


if __name__ == "__main__":
    reference.main(__doc__, run)
