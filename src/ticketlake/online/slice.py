"""What the online slice holds: per source, the ``per_source`` most recently updated open
tickets of one warehouse build, each one row of :data:`COLUMNS`.

The row is built here and only here (:data:`SLICE_SQL`), from ``fact_ticket`` (current state),
``fact_sla`` (the response and resolution clocks at the source's as-of time) and the features
the offline training set uses (:func:`ticketlake.datasets.features.current`, at the same as-of
time, so a model sees online what it learnt from); the writer takes any Arrow table with these
columns, which is how the bench pushes synthetic rows.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ticketlake.datasets import features
from ticketlake.engine.reader import catalog_query

# The relations the slice reads, and the columns every slice row has (the writer needs the
# first five: the key, and the scores and members of the indexes).
READS = ("fact_ticket", "fact_sla", "fact_ticket_event")
KEYED = ("source", "ticket_id", "last_event_at", "group_name", "priority")
COLUMNS = (
    *KEYED,
    "rank",
    "title",
    "status",
    "status_category",
    "support_level",
    "assignee",
    "customer",
    "category",
    "channel",
    "created_at",
    "first_response_at",
    "reopen_count",
    "reassignment_count",
    "as_of_at",
    "sla",
    "features",
)

# One SLA clock of a ticket as the slice shows it.
_CLOCK = """struct_pack(policy := s.policy, priority := s.priority, calendar := s.calendar,
    stage := s.stage, target_seconds := s.target_seconds,
    elapsed_business_seconds := s.elapsed_business_seconds,
    paused_business_seconds := s.paused_business_seconds,
    percent_elapsed := s.percent_elapsed, due_at := s.due_at, breach_at := s.breach_at)"""

# The features at the source's as-of time (docs/datasets.md defines each), NULL for a ticket
# the features do not see open (a source whose events carry no state).
_FEATURES = ", ".join(f"{name} := k.{name}" for name in ("known_at", *features.FEATURES))

# Ties of last_event_at go to the greater ticket_id, as a sorted set orders equal scores
# read newest first (ZRANGE ... REV), so the slice's order and its indexes' agree.
SLICE_SQL = f"""
WITH ranked AS (
    SELECT f.*, row_number() OVER (
        PARTITION BY f.source ORDER BY f.last_event_at DESC, f.ticket_id DESC) AS rank
    FROM fact_ticket AS f
    WHERE f.is_open AND f.last_event_at IS NOT NULL
),
clocks AS (
    SELECT s.source, s.ticket_id, max(s.as_of_at) AS as_of_at,
        any_value({_CLOCK}) FILTER (WHERE s.metric = 'response') AS response,
        any_value({_CLOCK}) FILTER (WHERE s.metric = 'resolution') AS resolution
    FROM fact_sla AS s
    GROUP BY s.source, s.ticket_id
),
known AS ({features.current()})
SELECT r.source, r.ticket_id, r.last_event_at, r.group_name, r.priority, r.rank, r.title,
    r.status, r.status_category, r.support_level, r.assignee, r.customer, r.category,
    r.channel, r.created_at, r.first_response_at, r.reopen_count, r.reassignment_count,
    c.as_of_at, struct_pack(response := c.response, resolution := c.resolution) AS sla,
    CASE WHEN k.ticket_id IS NOT NULL THEN struct_pack({_FEATURES}) END AS features
FROM ranked AS r
LEFT JOIN clocks AS c ON c.source = r.source AND c.ticket_id = r.ticket_id
LEFT JOIN known AS k ON k.source = r.source AND k.ticket_id = r.ticket_id
WHERE r.rank <= $per_source
ORDER BY r.source, r.rank
"""


def rows(con: duckdb.DuckDBPyConnection, per_source: int) -> pa.Table:
    """The slice of the build ``con`` reads: :data:`COLUMNS`, by source, newest first."""
    return catalog_query(con, SLICE_SQL.replace("$per_source", str(int(per_source))))
