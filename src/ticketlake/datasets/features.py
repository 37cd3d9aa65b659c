"""Ticket features as they were known at an instant: one definition, used by the offline
training set (a row per open ticket at the end of each local day) and by the online slice
(a row per open ticket at its source's as-of time). docs/datasets.md defines each feature.

A feature at instant ``known_at`` reads only the ticket's events with ``event_time <= known_at``
ticket's creation time; nothing later. The tickets at an instant are the ones *open* then: the
state of their last event at or before it is known and is none of resolved, closed or
cancelled. Sources whose events carry no state (daily snapshots) have no open tickets here.
"""

from __future__ import annotations

from ticketlake.engine.dialect import local_time, utc_time

# The feature columns, in order, after the keys (source, ticket_id, at).
FEATURES = (
    "age_hours",
    "priority",
    "group_name",
    "assignee",
    "status",
    "hours_in_status",
    "reassignments",
    "status_stays",
    "reopens",
    "queue_load",
)
KEYS = ("source", "ticket_id", "known_at")
TERMINAL = ("resolved", "closed", "cancelled")

# Each event with what its ticket had seen by then: reassignments and reopens so far, the
# number of status stays (a stay starts where the status label differs from the last one seen)
# and when the current stay began. Several events at one instant collapse to the last of them,
# so that "the last event at or before an instant" is one row.
_KNOWN = """
WITH marked AS (
    SELECT
        source, ticket_id, event_number, event_time, state, status, priority, group_name,
        assignee, is_reassignment, is_reopen,
        status IS NOT NULL AND status IS DISTINCT FROM last_value(status IGNORE NULLS) OVER (
            PARTITION BY source, ticket_id ORDER BY event_number
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS new_stay
    FROM fact_ticket_event
    WHERE event_time IS NOT NULL
),
running AS (
    SELECT
        *,
        count(CASE WHEN is_reassignment THEN 1 END) OVER w AS reassignments,
        count(CASE WHEN is_reopen THEN 1 END) OVER w AS reopens,
        count(CASE WHEN new_stay THEN 1 END) OVER w AS status_stays,
        max(CASE WHEN new_stay THEN event_time END) OVER w AS status_since,
        last_value(state IGNORE NULLS) OVER w AS state_now,
        last_value(status IGNORE NULLS) OVER w AS status_now,
        last_value(priority IGNORE NULLS) OVER w AS priority_now,
        last_value(group_name IGNORE NULLS) OVER w AS group_now,
        last_value(assignee IGNORE NULLS) OVER w AS assignee_now
    FROM marked
    WINDOW w AS (PARTITION BY source, ticket_id ORDER BY event_number
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT * FROM running
QUALIFY row_number() OVER (
    PARTITION BY source, ticket_id, event_time ORDER BY event_number DESC
) = 1
"""


def at_instants(instants: str) -> str:
    """SQL of the open tickets' features at each instant of ``instants`` (a relation of
    ``source, known_at``, UTC), one row per (source, ticket_id, known_at), in that order.

    ``queue_load`` counts the open tickets of the same source and group at the same instant,
    the ticket itself included, so ``instants`` holds whole instants, never a sample of the
    tickets open then."""
    terminal = ", ".join(f"'{s}'" for s in TERMINAL)
    return f"""
WITH known AS ({_KNOWN}),
candidates AS (
    -- Prunes the pairs no event can make open: before creation, or after the last event of
    -- a ticket that ended closed. The states below decide; this only saves work.
    SELECT i.source, t.ticket_id, i.known_at, t.created_at
    FROM ({instants}) AS i
    INNER JOIN fact_ticket AS t
        ON t.source = i.source
        AND t.created_at <= i.known_at
        AND (t.is_open IS NOT FALSE OR t.last_event_at >= i.known_at)
),
seen AS (
    SELECT c.source, c.ticket_id, c.known_at, c.created_at, k.*
        EXCLUDE (source, ticket_id, priority, group_name, assignee, status, state)
    FROM candidates AS c
    ASOF INNER JOIN known AS k
        ON k.source = c.source AND k.ticket_id = c.ticket_id AND c.known_at >= k.event_time
),
open AS (
    SELECT * FROM seen
    WHERE state_now IS NOT NULL AND state_now NOT IN ({terminal})
)
SELECT
    source,
    ticket_id,
    known_at,
    date_diff('microsecond', created_at, known_at) / 3600000000.0 AS age_hours,
    coalesce(priority_now, 'unknown') AS priority,
    group_now AS group_name,
    assignee_now AS assignee,
    status_now AS status,
    date_diff('microsecond', status_since, known_at) / 3600000000.0 AS hours_in_status,
    reassignments,
    status_stays,
    reopens,
    count(*) OVER (PARTITION BY source, coalesce(group_now, ''), group_now IS NULL, known_at)
        AS queue_load
FROM open
ORDER BY source, ticket_id, known_at
"""


def current() -> str:
    """SQL of every open ticket's features at its source's as-of time (the latest event the
    warehouse holds for the source, as the SLA clocks use)."""
    return at_instants(
        "SELECT source, max(last_event_at) AS known_at FROM fact_ticket GROUP BY source"
    )


def day_ends(sources: str) -> str:
    """SQL of ``source, day, known_at``: the end of each local day (its last microsecond, in
    the source's time zone) from each source's first created day up to its as-of time, for
    ``sources``, a relation of ``source, timezone, first_created_at, as_of_at``."""
    end = utc_time(
        "CAST(d.day AS TIMESTAMP) + INTERVAL 1 DAY - INTERVAL 1 MICROSECOND", "a.timezone"
    )
    return f"""
SELECT a.source, CAST(d.day AS DATE) AS day, {end} AS known_at
FROM ({sources}) AS a,
LATERAL (
    SELECT unnest(generate_series(
        CAST({local_time("a.first_created_at", "a.timezone")} AS DATE),
        CAST({local_time("a.as_of_at", "a.timezone")} AS DATE),
        INTERVAL 1 DAY
    )) AS day
) AS d
WHERE {end} <= a.as_of_at
"""
