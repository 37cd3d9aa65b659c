-- sla_status_business: one row per stay of a ticket in a status (flow_status_interval) and
-- business calendar (cfg_calendars): the seconds the stay lasted, and those of them inside
-- the calendar's open windows. The open seconds before an instant t are the running total
-- before the last window that opened by t, plus the part of that window before t; a stay's
-- business seconds are the difference between its two ends. Finding that window is a running
-- maximum of window numbers over the calendar's windows and the stays' ends sorted in time,
-- so the work grows with the number of rows, not with stays times windows, on either engine;
-- each UTC year is sorted apart (cfg_calendar_years gives the windows opened before it).
-- The current stay has no left_at and no seconds.
-- grain: ticket
WITH ends AS (
    SELECT c.calendar, s.source, s.ticket_id, s.stay_number, 'entered' AS edge, s.entered_at AS moment
    FROM flow_status_interval AS s
    CROSS JOIN cfg_calendars AS c
    UNION ALL
    SELECT c.calendar, s.source, s.ticket_id, s.stay_number, 'left' AS edge, s.left_at AS moment
    FROM flow_status_interval AS s
    CROSS JOIN cfg_calendars AS c
    WHERE s.left_at IS NOT NULL
),

timeline AS (
    SELECT
        calendar,
        opens_at AS moment,
        0 AS kind,
        window_number,
        CAST(NULL AS VARCHAR) AS source,
        CAST(NULL AS VARCHAR) AS ticket_id,
        CAST(NULL AS BIGINT) AS stay_number,
        CAST(NULL AS VARCHAR) AS edge
    FROM cfg_calendar_windows
    UNION ALL
    SELECT calendar, moment, 1 AS kind, CAST(NULL AS BIGINT), source, ticket_id, stay_number, edge
    FROM ends
),

placed AS (
    SELECT
        *,
        max(window_number) OVER (
            PARTITION BY calendar, year(moment)
            ORDER BY moment, kind ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS last_window
    FROM timeline
),

counted AS (
    -- open microseconds of the calendar before each end of a stay
    SELECT
        p.calendar,
        p.source,
        p.ticket_id,
        p.stay_number,
        p.edge,
        coalesce(
            (w.running_seconds - w.open_seconds) * 1000000
            + least(greatest(date_diff('microsecond', w.opens_at, p.moment), 0), w.open_seconds * 1000000),
            0
        ) AS open_before
    FROM placed AS p
    LEFT JOIN cfg_calendar_years AS y
        ON p.calendar = y.calendar AND year(p.moment) = y.year
    LEFT JOIN cfg_calendar_windows AS w
        ON p.calendar = w.calendar AND coalesce(p.last_window, y.windows_before) = w.window_number
    WHERE p.kind = 1
),

business AS (
    SELECT
        calendar,
        source,
        ticket_id,
        stay_number,
        max(CASE WHEN edge = 'left' THEN open_before END)
        - max(CASE WHEN edge = 'entered' THEN open_before END) AS open_microseconds
    FROM counted
    GROUP BY calendar, source, ticket_id, stay_number
)

SELECT
    s.source,
    s.ticket_id,
    s.stay_number,
    b.calendar,
    s.status,
    s.status_category,
    s.entered_at,
    s.left_at,
    date_diff('microsecond', s.entered_at, s.left_at) / 1000000.0 AS seconds,
    b.open_microseconds / 1000000.0 AS business_seconds
FROM flow_status_interval AS s
INNER JOIN business AS b
    ON s.source = b.source AND s.ticket_id = b.ticket_id AND s.stay_number = b.stay_number
