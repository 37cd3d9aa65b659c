-- fact_ticket_event: one row per canonical event of a ticket (an audit row, a status change,
-- a changed snapshot row or a milestone), numbered in the ticket's own order. event_date is
-- the local day of event_time in the ticket's zone (timezone; engine/dialect.py).
-- grain: ticket
-- Order: event time; at the same instant creation first and resolution, then closure, last;
-- then commit order and source line. An event that arrives late in a later batch still takes
-- its place by time. Each event carries the ticket's lifecycle state
-- after it (its status category, or the state its type implies, or the previous state; NULL
-- throughout when no event of the ticket says anything about its state), the
-- assignee and group then in charge, and flags for assignments, reassignments, reopens and
-- resolutions. docs/metrics.md gives the rules. A status the settings do not map takes the
-- category its vendor gives it (Jira's statusCategory), when the source says.
WITH ordered AS (
    SELECT
        e.*,
        CASE
            WHEN e.status IS NOT NULL
                THEN coalesce(s.status_category, e.vendor_status_category, 'unknown')
        END
            AS category_now,
        coalesce(a.priority, 'unknown') AS priority_now,
        -- The zone of the ticket's local days: its source's (cfg_source_zones), else the project's.
        coalesce(z.timezone, p.timezone) AS timezone,
        row_number() OVER (
            PARTITION BY e.source, e.ticket_id
            ORDER BY
                e.event_time,
                CASE e.event_type
                    WHEN 'created' THEN 0 WHEN 'resolved' THEN 2 WHEN 'closed' THEN 3
                    WHEN 'cancelled' THEN 3 ELSE 1
                END,
                e.batch_seq,
                e.source_line,
                e.event_type,
                e.event_key
        ) AS event_number
    FROM ticket_events AS e
    LEFT JOIN cfg_statuses AS s ON s.status_key = lower(trim(e.status))
    LEFT JOIN cfg_priority_aliases AS a ON a.raw_key = lower(trim(e.priority_raw))
    LEFT JOIN cfg_source_zones AS z ON z.source = e.source
    CROSS JOIN cfg_params AS p
),

stated AS (
    SELECT
        *,
        -- A known status category decides; else the event type (an unmapped status does not
        -- hide that an event resolved or reopened the ticket); else the unmapped 'unknown'.
        coalesce(
            CASE WHEN category_now <> 'unknown' THEN category_now END,
            CASE event_type
                WHEN 'created' THEN 'new'
                WHEN 'responded' THEN 'open'
                WHEN 'assigned' THEN 'open'
                WHEN 'reassigned' THEN 'open'
                WHEN 'reopened' THEN 'open'
                WHEN 'resolved' THEN 'resolved'
                WHEN 'closed' THEN 'closed'
                WHEN 'cancelled' THEN 'cancelled'
            END,
            category_now
        ) AS event_state,
        max(
            CASE
                WHEN status IS NOT NULL OR event_type NOT IN ('created', 'updated', 'seen') THEN 1
                ELSE 0
            END
        ) OVER (PARTITION BY source, ticket_id) AS informed
    FROM ordered
),

carried AS (
    SELECT
        *,
        CASE WHEN informed = 1 THEN last_value(event_state IGNORE NULLS) OVER w_upto END AS state,
        CASE WHEN informed = 1 THEN last_value(event_state IGNORE NULLS) OVER w_before END
            AS previous_state,
        last_value(assignee IGNORE NULLS) OVER w_upto AS assignee_now,
        last_value(assignee IGNORE NULLS) OVER w_before AS previous_assignee,
        last_value(group_name IGNORE NULLS) OVER w_upto AS group_now,
        last_value(group_name IGNORE NULLS) OVER w_before AS previous_group,
        lead(event_time) OVER (PARTITION BY source, ticket_id ORDER BY event_number)
            AS next_event_time
    FROM stated
    WINDOW
        w_upto AS (
            PARTITION BY source, ticket_id ORDER BY event_number
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ),
        w_before AS (
            PARTITION BY source, ticket_id ORDER BY event_number
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        )
)

SELECT
    source,
    ticket_id,
    event_number,
    event_time,
    CAST(timezone(timezone, timezone('UTC', event_time)) AS DATE) AS event_date,
    next_event_time,
    timezone,
    event_type,
    event_key,
    status,
    category_now AS status_category,
    state,
    previous_state,
    priority_now AS priority,
    assignee,
    assignee_now,
    group_name,
    group_now,
    support_level,
    coalesce(substr(md5(assignee_now), 1, 16), '-') AS agent_key,
    coalesce(substr(md5(group_now), 1, 16), '-') AS group_key,
    changed_by,
    coalesce(assignee IS NOT NULL AND assignee IS DISTINCT FROM previous_assignee, false)
        AS is_assignment,
    coalesce(
        (assignee IS NOT NULL AND previous_assignee IS NOT NULL AND assignee <> previous_assignee)
        OR (group_name IS NOT NULL AND previous_group IS NOT NULL AND group_name <> previous_group),
        false
    ) AS is_reassignment,
    coalesce(
        event_type = 'reopened'
        OR (
            previous_state IN ('resolved', 'closed')
            AND event_state IN ('new', 'open', 'pending', 'on_hold')
        ),
        false
    ) AS is_reopen,
    coalesce(
        event_state IN ('resolved', 'closed')
        AND (previous_state IS NULL OR previous_state NOT IN ('resolved', 'closed')),
        false
    ) AS is_resolution,
    reopen_count AS source_reopen_count,
    reassignment_count AS source_reassignment_count,
    observed_at,
    snapshot_date,
    customer,
    batch_id,
    batch_seq,
    source_file,
    source_line
FROM carried
