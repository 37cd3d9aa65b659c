-- kpi_backlog_daily: tickets open at each local day's cut-off (kpis.backlog_cutoff_hour of
-- the day in the ticket's source's zone, dim_date.backlog_cutoff_local), by source, current priority, the group holding the ticket at the cut-off and age bucket. A
-- ticket is open from its creation until an event moves it to resolved, closed or cancelled,
-- and open again after a reopen; its age is measured from creation to the cut-off. A ticket
-- whose state nothing in the export reveals (no status, no lifecycle event) is left out.
-- grain: day
-- days: dim_date(date_day), fact_ticket_event(event_time .. next_event_time)
-- days: fact_ticket(created_date ..)
WITH cutoffs AS (
    SELECT
        d.date_day AS day,
        z.timezone,
        timezone('UTC', timezone(z.timezone, d.backlog_cutoff_local)) AS cutoff_at
    FROM dim_date AS d
    CROSS JOIN (SELECT DISTINCT timezone FROM fact_ticket_event) AS z
),

open_spans AS (
    SELECT
        source, ticket_id, timezone, event_time AS span_start, next_event_time AS span_end,
        group_now
    FROM fact_ticket_event
    WHERE state IN ('new', 'open', 'pending', 'on_hold', 'unknown')
),

open_at AS (
    SELECT
        c.day,
        s.source,
        f.priority,
        s.group_now AS group_name,
        date_diff('microsecond', f.created_at, c.cutoff_at) AS age_us
    FROM cutoffs AS c
    INNER JOIN open_spans AS s
        ON s.timezone = c.timezone
        AND s.span_start <= c.cutoff_at
        AND (s.span_end IS NULL OR s.span_end > c.cutoff_at)
    INNER JOIN fact_ticket AS f ON f.source = s.source AND f.ticket_id = s.ticket_id
)

SELECT
    o.day,
    o.source,
    o.priority,
    o.group_name,
    b.bucket AS age_bucket,
    b.bucket_order,
    count(*) AS open_tickets,
    sum(o.age_us) / 86400000000.0 AS age_days_total  -- exact sum, so any build order agrees
FROM open_at AS o
INNER JOIN cfg_aging_buckets AS b
    ON o.age_us >= b.lower_days * 86400000000.0
    AND (b.upper_days IS NULL OR o.age_us < b.upper_days * 86400000000.0)
GROUP BY o.day, o.source, o.priority, o.group_name, b.bucket, b.bucket_order
