"""The headline figures of a ticket export, as the events and tickets references compute them:
the ticket count, tickets created and resolved per UTC day, the median and mean resolution
hours, and the open tickets at each day's backlog cut-off.

The rules are ticketlake's (docs/metrics.md: ``volume``, ``backlog``, ``resolution_time`` and
"Milestones") under the default settings, hard-coded here. Each reference reduces its files
to two relations and hands them over:

- ``hl_ticket(ticket_id, created_at, resolved_at, last_event_at)``: one row per ticket in
  naive UTC; ``resolved_at`` is the final resolution, NULL unless the ticket is resolved or
  closed now;
- ``hl_open_change(changed_at, delta)``: +1 where a ticket's state becomes one the backlog counts,
  -1 where it stops being one. The sum of a ticket's deltas up to a cut-off is 1 exactly
  when its state after its last event at or before the cut-off is open (the sum telescopes),
  so summing all deltas up to each cut-off counts the backlog without joining days to spans.

The days are ticketlake's ``dim_date``: from the first creation day to the day of the latest
event.
"""

from __future__ import annotations

from typing import Any

import duckdb

from bench import reference

# The default ``statuses`` setting (src/ticketlake/config/defaults.py), matched on
# lower(trim(status)) as ingest does.
STATUSES = {
    "new": "new",
    "to do": "new",
    "assigned": "open",
    "in progress": "open",
    "active": "open",
    "open": "open",
    "work in progress": "open",
    "reopened": "open",
    "waiting for support": "open",
    "awaiting customer": "pending",
    "awaiting user info": "pending",
    "awaiting evidence": "pending",
    "waiting for customer": "pending",
    "pending": "pending",
    "awaiting vendor": "on_hold",
    "awaiting problem": "on_hold",
    "on hold": "on_hold",
    "hold": "on_hold",
    "resolved": "resolved",
    "solved": "resolved",
    "done": "closed",
    "closed": "closed",
    "closed complete": "closed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "closed abandoned": "cancelled",
}
# States a ticket is in the backlog in ('unknown': a status the settings do not map).
OPEN = "('new', 'open', 'pending', 'on_hold', 'unknown')"
DONE = "('resolved', 'closed')"  # states with a resolution
ENDED = "('resolved', 'closed', 'cancelled')"
CUTOFF_HOUR = 24  # kpis.backlog_cutoff_hour: midnight at the end of the day

STATUS_MAP = """
CREATE OR REPLACE TEMP TABLE hl_status (status VARCHAR, category VARCHAR);
INSERT INTO hl_status VALUES {values};
"""

SUMMARY = """
SELECT count(*) AS tickets, count(hours) AS resolved,
       median(hours) AS median_resolution_hours, avg(hours) AS mean_resolution_hours
FROM (SELECT date_diff('microsecond', created_at, resolved_at) / 3600000000.0 AS hours
      FROM hl_ticket)
"""

# A change counts from the first day whose cut-off (midnight + CUTOFF_HOUR) is at or after it.
DAILY = f"""
WITH bounds AS (
    SELECT min(CAST(created_at AS DATE)) AS first_day, max(CAST(last_event_at AS DATE)) AS last_day
    FROM hl_ticket
),
created AS (
    SELECT CAST(created_at AS DATE) AS day, count(*) AS created FROM hl_ticket GROUP BY 1
),
resolved AS (
    SELECT CAST(resolved_at AS DATE) AS day, count(*) AS resolved
    FROM hl_ticket WHERE resolved_at IS NOT NULL GROUP BY 1
),
changes AS (
    SELECT CAST(shifted AS DATE) + CASE WHEN shifted = date_trunc('day', shifted) THEN 0 ELSE 1 END
               AS day,
           sum(delta) AS delta
    FROM (SELECT changed_at - INTERVAL {CUTOFF_HOUR} HOUR AS shifted, delta FROM hl_open_change)
    GROUP BY 1
),
days AS (
    SELECT CAST(unnest(generate_series(least(first_day, (SELECT min(day) FROM changes)),
                                       last_day, INTERVAL 1 DAY)) AS DATE) AS day
    FROM bounds
),
backlog AS (
    SELECT d.day, sum(coalesce(c.delta, 0)) OVER (ORDER BY d.day) AS open_tickets
    FROM days AS d LEFT JOIN changes AS c USING (day)
)
SELECT strftime(b.day, '%Y-%m-%d') AS day,
       CAST(coalesce(c.created, 0) AS BIGINT) AS created,
       CAST(coalesce(r.resolved, 0) AS BIGINT) AS resolved,
       CAST(b.open_tickets AS BIGINT) AS open_tickets
FROM backlog AS b
CROSS JOIN bounds
LEFT JOIN created AS c USING (day)
LEFT JOIN resolved AS r USING (day)
WHERE b.day BETWEEN bounds.first_day AND bounds.last_day
  AND (c.created IS NOT NULL OR r.resolved IS NOT NULL OR b.open_tickets <> 0)
ORDER BY b.day
"""


def status_map(con: duckdb.DuckDBPyConnection) -> None:
    """The table ``hl_status(status, category)`` of the default statuses, lower case."""
    values = ", ".join(f"('{label}', '{category}')" for label, category in STATUSES.items())
    con.execute(STATUS_MAP.format(values=values))


def figures(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The headline figures from ``hl_ticket`` and ``hl_open_change``."""
    return {"summary": reference.records(con, SUMMARY)[0], "daily": reference.records(con, DAILY)}
