"""Near-limit reference for the events workload: one DuckDB pass parses every event-log CSV
(local times with their UTC offset, read as UTC) and writes one Parquet file, then the
headline figures are computed from it (bench/headline_sql.py).

``python -m bench.baseline_events CSV_DIR WORK_DIR OUT_JSON [--memory-limit 2GB --threads 2]``

A ticket's events are taken in ticketlake's order: by time, and at the same instant creation
first, then every other type, then resolutions, then closures and cancellations. Each event's
state is its status's category under the default settings. What this leaves out cannot change
the figures on the generated files: every row there carries a status the defaults map (so
no state falls back to the event type or is carried over from the previous event), events of
equal time and rank are all open states (so their line order does not matter), and the raw
event types are the canonical ones (``created``, ``resolved``, ``reopened``, ``closed``,
``cancelled``) wherever the rules look at a type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from bench import headline_sql, reference
from bench.headline_sql import DONE, OPEN

PARSE = """
SELECT
    case_id AS ticket_id,
    timezone('UTC', "timestamp") AS event_time,
    * EXCLUDE (case_id, "timestamp")
FROM read_csv({glob}, header = true, columns = {
    'case_id': 'VARCHAR', 'timestamp': 'TIMESTAMPTZ', 'event_type': 'VARCHAR',
    'status': 'VARCHAR', 'sub_status': 'VARCHAR', 'assignment_group': 'VARCHAR',
    'assignee': 'VARCHAR', 'support_level': 'VARCHAR', 'priority': 'VARCHAR',
    'category': 'VARCHAR', 'location': 'VARCHAR', 'country': 'VARCHAR', 'channel': 'VARCHAR',
    'changed_by': 'VARCHAR'})
"""

# Each event with its state and the state before it; ``ord`` sorts a ticket's events (the
# instant in microseconds, then the rank of the type at that instant).
EVENTS = """
CREATE OR REPLACE TEMP TABLE hl_event AS
SELECT ticket_id, event_time, event_type, state,
       lag(state) OVER (PARTITION BY ticket_id ORDER BY ord) AS previous_state, ord
FROM (
    SELECT e.ticket_id, e.event_time, lower(e.event_type) AS event_type,
           coalesce(s.category, 'unknown') AS state,
           epoch_us(e.event_time) * 4 + CASE lower(e.event_type)
               WHEN 'created' THEN 0 WHEN 'resolved' THEN 2 WHEN 'closed' THEN 3
               WHEN 'cancelled' THEN 3 ELSE 1 END AS ord
    FROM events AS e LEFT JOIN hl_status AS s ON s.status = lower(trim(e.status))
)
"""

# The final resolution: the latest resolved event, unless the ticket was reopened after it;
# then (and without a resolved event) the latest move into resolved or closed.
TICKETS = f"""
CREATE OR REPLACE TEMP TABLE hl_ticket AS
SELECT ticket_id, created_at, last_event_at,
       CASE WHEN final_state IN {DONE} THEN
           CASE WHEN last_reopen_at IS NULL OR resolved_event_at >= last_reopen_at
                THEN coalesce(resolved_event_at, resolution_change_at)
                ELSE resolution_change_at END
       END AS resolved_at
FROM (
    SELECT ticket_id,
           coalesce(min(event_time) FILTER (WHERE event_type = 'created'), min(event_time))
               AS created_at,
           max(event_time) AS last_event_at,
           arg_max(state, ord) AS final_state,
           max(event_time) FILTER (WHERE event_type = 'resolved') AS resolved_event_at,
           max(event_time) FILTER (
               WHERE state IN {DONE} AND coalesce(previous_state NOT IN {DONE}, true)
           ) AS resolution_change_at,
           max(event_time) FILTER (
               WHERE event_type = 'reopened'
                  OR (previous_state IN {DONE} AND state IN ('new', 'open', 'pending', 'on_hold'))
           ) AS last_reopen_at
    FROM hl_event GROUP BY ticket_id
)
"""

OPEN_CHANGES = f"""
CREATE OR REPLACE TEMP TABLE hl_open_change AS
SELECT event_time AS changed_at, delta FROM (
    SELECT event_time,
           CAST(state IN {OPEN} AS INTEGER)
               - coalesce(CAST(previous_state IN {OPEN} AS INTEGER), 0) AS delta
    FROM hl_event
)
WHERE delta <> 0
"""


def compute(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The headline figures over the view ``events``."""
    headline_sql.status_map(con)
    for statement in (EVENTS, TICKETS, OPEN_CHANGES):
        con.execute(statement)
    return headline_sql.figures(con)


def run(csv_dir: Path, work: Path, memory_limit: str, threads: int) -> dict[str, Any]:
    """Parse and write, then compute; the seconds of each step and the figures."""
    return reference.near_limit(
        csv_dir, work, memory_limit, threads, parse=PARSE, view="events", compute=compute
    )


if __name__ == "__main__":
    reference.main(__doc__, run)
