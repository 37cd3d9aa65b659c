-- lifecycle_lag: one row per update whose export says when the system recorded it (the _ts of
-- daily snapshots): the seconds from the user's modification (lastModifiedTimeUtc) to that
-- record. Negative lags, if an export has them, are kept: they reveal clock skew.
-- grain: ticket
SELECT
    e.source,
    e.ticket_id,
    f.priority,
    f.customer,
    f.group_name,
    e.event_time AS modified_at,
    e.observed_at AS recorded_at,
    e.timezone,
    date_diff('microsecond', e.event_time, e.observed_at) / 1000000.0 AS lag_seconds
FROM fact_ticket_event AS e
INNER JOIN fact_ticket AS f ON f.source = e.source AND f.ticket_id = e.ticket_id
WHERE e.observed_at IS NOT NULL AND e.event_type = 'updated'
