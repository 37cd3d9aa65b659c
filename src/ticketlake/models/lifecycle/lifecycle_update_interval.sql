-- lifecycle_update_interval: one row per gap between two consecutive user modifications of a
-- ticket (distinct modification times of its events, creation included; snapshot sightings
-- are not modifications): the hours between them. In daily snapshots these are the successive
-- values of lastModifiedTimeUtc, each seen in the first snapshot that showed the change.
-- grain: ticket
WITH modified AS (
    SELECT DISTINCT source, ticket_id, event_time
    FROM fact_ticket_event
    WHERE event_type <> 'seen'
),

gaps AS (
    SELECT
        source,
        ticket_id,
        event_time AS modified_at,
        lag(event_time) OVER (PARTITION BY source, ticket_id ORDER BY event_time)
            AS previous_at
    FROM modified
)

SELECT
    g.source,
    g.ticket_id,
    f.priority,
    f.customer,
    f.group_name,
    g.previous_at,
    g.modified_at,
    f.timezone,
    date_diff('microsecond', g.previous_at, g.modified_at) / 3600000000.0 AS interval_hours
FROM gaps AS g
INNER JOIN fact_ticket AS f ON f.source = g.source AND f.ticket_id = g.ticket_id
WHERE g.previous_at IS NOT NULL
