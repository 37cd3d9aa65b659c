-- kpi_daily_ops: one operations row per local day and source: volume (created, resolved,
-- closed), turnaround of the tickets resolved that day (mean and median hours), the share of
-- them that missed their resolution target (resolved_breach_pct; kpi_target_attainment's
-- breach_pct also counts open tickets past their target), reopens that day and the backlog.
-- grain: day
-- days: dim_date(date_day), kpi_volume_daily(day), kpi_backlog_daily(day)
-- days: fact_ticket(resolved_date), fact_ticket_event(event_date)
-- every day: fact_ticket(source)
WITH days AS (
    SELECT d.date_day AS day, s.source
    FROM dim_date AS d
    CROSS JOIN (SELECT DISTINCT source FROM fact_ticket) AS s
),

volume AS (
    SELECT
        day,
        source,
        CAST(sum(created) AS BIGINT) AS created,
        CAST(sum(resolved) AS BIGINT) AS resolved,
        CAST(sum(closed) AS BIGINT) AS closed
    FROM kpi_volume_daily
    GROUP BY day, source
),

turnaround AS (
    SELECT
        resolved_date AS day,
        source,
        avg(resolution_hours) AS mean_resolution_hours,
        median(resolution_hours) AS median_resolution_hours,
        100.0 * count(CASE WHEN NOT within_resolution_target THEN 1 END)
        / nullif(count(within_resolution_target), 0) AS resolved_breach_pct
    FROM fact_ticket
    WHERE resolved_date IS NOT NULL
    GROUP BY resolved_date, source
),

reopens AS (
    SELECT event_date AS day, source, count(*) AS reopened
    FROM fact_ticket_event
    WHERE is_reopen
    GROUP BY event_date, source
),

backlog AS (
    SELECT day, source, CAST(sum(open_tickets) AS BIGINT) AS backlog
    FROM kpi_backlog_daily
    GROUP BY day, source
)

SELECT
    d.day,
    d.source,
    coalesce(v.created, 0) AS created,
    coalesce(v.resolved, 0) AS resolved,
    coalesce(v.closed, 0) AS closed,
    t.mean_resolution_hours,
    t.median_resolution_hours,
    t.resolved_breach_pct,
    coalesce(r.reopened, 0) AS reopened,
    coalesce(b.backlog, 0) AS backlog
FROM days AS d
LEFT JOIN volume AS v ON v.day = d.day AND v.source = d.source
LEFT JOIN turnaround AS t ON t.day = d.day AND t.source = d.source
LEFT JOIN reopens AS r ON r.day = d.day AND r.source = d.source
LEFT JOIN backlog AS b ON b.day = d.day AND b.source = d.source
