-- flow_status_interval: one row per stay of a ticket in a status: the status as exported, its
-- category, when the ticket entered it, when it left it for which status, and the hours in
-- between. Consecutive events with the same status are one stay; events without a status
-- change nothing. The current stay has no left_at and no hours. Only events read from files
-- that export a history count (the ledger's history flag: event logs, audit logs, snapshots,
-- vendor histories): a row-per-ticket export shows one status per row, not the path taken.
-- grain: ticket
WITH statused AS (
    SELECT
        source,
        ticket_id,
        event_number,
        event_time,
        timezone,
        status,
        status_category,
        lag(status) OVER (PARTITION BY source, ticket_id ORDER BY event_number) AS previous_status
    FROM fact_ticket_event
    WHERE
        status IS NOT NULL
        AND batch_id IN (
            SELECT batch_id FROM ledger WHERE history
        )
),

entered AS (
    SELECT
        source, ticket_id, event_number, event_time AS entered_at, timezone, status,
        status_category
    FROM statused
    WHERE previous_status IS NULL OR previous_status <> status
),

stays AS (
    SELECT
        *,
        row_number() OVER (PARTITION BY source, ticket_id ORDER BY event_number) AS stay_number,
        lead(entered_at) OVER (PARTITION BY source, ticket_id ORDER BY event_number) AS left_at,
        lead(status) OVER (PARTITION BY source, ticket_id ORDER BY event_number) AS next_status
    FROM entered
)

SELECT
    source,
    ticket_id,
    stay_number,
    status,
    status_category,
    entered_at,
    left_at,
    timezone,
    next_status,
    date_diff('microsecond', entered_at, left_at) / 3600000000.0 AS hours
FROM stays
