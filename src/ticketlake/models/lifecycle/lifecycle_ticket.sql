-- lifecycle_ticket: one row per ticket: how long it lived. A ticket ends when it is closed or
-- cancelled. A ticket of a snapshot source that is missing from the source's latest snapshot
-- without having closed has vanished: its life ends at its last user modification, and it is
-- flagged. Any other ticket is still open: it has an age at the source's as-of time (its last
-- event, a snapshot's day counting as an event at its end) but no lifetime yet.
WITH seen AS (
    SELECT
        source,
        ticket_id,
        CAST(max(seen_on) AS TIMESTAMP) + INTERVAL 1 DAY AS last_seen_at
    FROM ticket_sightings
    GROUP BY source, ticket_id
),

modified AS (
    SELECT
        source,
        ticket_id,
        max(event_time) AS last_modified_at,
        count(event_time) AS modifications
    FROM (SELECT DISTINCT source, ticket_id, event_time FROM fact_ticket_event) AS times
    GROUP BY source, ticket_id
),

activity AS (
    SELECT
        m.source,
        m.ticket_id,
        s.last_seen_at,
        m.last_modified_at,
        m.modifications
    FROM modified AS m
    LEFT JOIN seen AS s ON s.source = m.source AND s.ticket_id = m.ticket_id
),

latest AS (
    SELECT
        source,
        max(last_seen_at) AS last_snapshot_at,
        max(
            CASE
                WHEN last_seen_at > last_modified_at THEN last_seen_at ELSE last_modified_at
            END
        ) AS as_of_at
    FROM activity
    GROUP BY source
),

ended AS (
    SELECT
        f.source,
        f.ticket_id,
        f.priority,
        f.customer,
        f.group_name,
        f.created_at,
        f.timezone,
        f.closed_at,
        f.cancelled_at,
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
    e.timezone,
    e.ended_by,
    e.ended_by = 'vanished' AS vanished,
    CASE e.ended_by
        WHEN 'closed' THEN e.closed_at
        WHEN 'cancelled' THEN e.cancelled_at
        WHEN 'vanished' THEN e.last_modified_at
    END AS ended_at,
    e.last_seen_at,
    e.last_modified_at,
    e.modifications,
    date_diff(
        'microsecond',
        e.created_at,
        CASE e.ended_by
            WHEN 'closed' THEN e.closed_at
            WHEN 'cancelled' THEN e.cancelled_at
            WHEN 'vanished' THEN e.last_modified_at
        END
    ) / 3600000000.0 AS lifetime_hours,
    CASE
        WHEN e.ended_by = 'open'
            THEN date_diff('microsecond', e.created_at, e.as_of_at) / 3600000000.0
    END AS open_age_hours
FROM ended AS e
