-- lifecycle_ticket: one row per ticket: how long it lived. A ticket ends when it is closed or
-- cancelled. A ticket of a snapshot source that is missing from the source's latest snapshot
-- without having closed has vanished: its life ends at its last user modification, and it is
-- flagged. Any other ticket is still open: it has an age at the source's as-of time (its last
-- event) but no lifetime yet.
WITH latest AS (
    SELECT
        source,
        max(CASE WHEN event_type = 'seen' THEN event_time END) AS last_snapshot_at,
        max(event_time) AS as_of_at
    FROM fact_ticket_event
    GROUP BY source
),

activity AS (
    SELECT
        source,
        ticket_id,
        max(CASE WHEN event_type = 'seen' THEN event_time END) AS last_seen_at,
        max(CASE WHEN event_type <> 'seen' THEN event_time END) AS last_modified_at,
        count(DISTINCT CASE WHEN event_type <> 'seen' THEN event_time END) AS modifications
    FROM fact_ticket_event
    GROUP BY source, ticket_id
),

ended AS (
    SELECT
        f.source,
        f.ticket_id,
        f.priority,
        f.customer,
        f.group_name,
        f.created_at,
        a.last_seen_at,
        a.last_modified_at,
        a.modifications,
        l.as_of_at,
        CASE
            WHEN f.closed_at IS NOT NULL THEN 'closed'
            WHEN f.cancelled_at IS NOT NULL THEN 'cancelled'
            WHEN a.last_seen_at < l.last_snapshot_at THEN 'vanished'
            ELSE 'open'
        END AS ended_by
    FROM fact_ticket AS f
    INNER JOIN activity AS a ON a.source = f.source AND a.ticket_id = f.ticket_id
    INNER JOIN latest AS l ON l.source = f.source
)

SELECT
    e.source,
    e.ticket_id,
    e.priority,
    e.customer,
    e.group_name,
    e.created_at,
    e.ended_by,
    e.ended_by = 'vanished' AS vanished,
    CASE e.ended_by
        WHEN 'closed' THEN f.closed_at
        WHEN 'cancelled' THEN f.cancelled_at
        WHEN 'vanished' THEN e.last_modified_at
    END AS ended_at,
    e.last_seen_at,
    e.last_modified_at,
    e.modifications,
    date_diff(
        'microsecond',
        e.created_at,
        CASE e.ended_by
            WHEN 'closed' THEN f.closed_at
            WHEN 'cancelled' THEN f.cancelled_at
            WHEN 'vanished' THEN e.last_modified_at
        END
    ) / 3600000000.0 AS lifetime_hours,
    CASE
        WHEN e.ended_by = 'open'
            THEN date_diff('microsecond', e.created_at, e.as_of_at) / 3600000000.0
    END AS open_age_hours
FROM ended AS e
INNER JOIN fact_ticket AS f ON f.source = e.source AND f.ticket_id = e.ticket_id
