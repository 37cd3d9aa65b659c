-- lifecycle_lag: one row per update whose export says when the system recorded it (the _ts of
-- daily snapshots): the seconds from the user's modification (lastModifiedTimeUtc) to that
-- record. Negative lags, if an export has them, are kept: they reveal clock skew.
-- grain: ticket
SELECT
    source,
    ticket_id,
    event_time AS modified_at,
    observed_at AS recorded_at,
    date_diff('microsecond', event_time, observed_at) / 1000000.0 AS lag_seconds
FROM fact_ticket_event
WHERE observed_at IS NOT NULL AND event_type = 'updated'
