-- kpi_agent_load_daily: per local day (in the source's zone), source and technician: tickets assigned to them that
-- day, tickets they resolved that day (the ticket's final resolution, credited to its
-- current assignee) and tickets they held open at the day's backlog cut-off.
-- grain: day
-- days: dim_date(date_day), fact_ticket(resolved_date)
-- days: fact_ticket_event(event_date, event_time .. next_event_time)
WITH cutoffs AS (
    SELECT
        d.date_day AS day,
        z.timezone,
        timezone('UTC', timezone(z.timezone, d.backlog_cutoff_local)) AS cutoff_at
    FROM dim_date AS d
    CROSS JOIN (SELECT DISTINCT timezone FROM fact_ticket_event) AS z
),

assigned AS (
    SELECT event_date AS day, source, assignee AS agent, count(DISTINCT ticket_id) AS n
    FROM fact_ticket_event
    WHERE is_assignment
    GROUP BY event_date, source, assignee
),

resolved AS (
    SELECT resolved_date AS day, source, assignee AS agent, count(*) AS n
    FROM fact_ticket
    WHERE resolved_date IS NOT NULL AND assignee IS NOT NULL
    GROUP BY resolved_date, source, assignee
),

held AS (
    SELECT c.day, e.source, e.assignee_now AS agent, count(*) AS n
    FROM cutoffs AS c
    INNER JOIN fact_ticket_event AS e
        ON e.timezone = c.timezone
        AND e.event_time <= c.cutoff_at
        AND (e.next_event_time IS NULL OR e.next_event_time > c.cutoff_at)
    WHERE e.state IN ('new', 'open', 'pending', 'on_hold', 'unknown')
        AND e.assignee_now IS NOT NULL
    GROUP BY c.day, e.source, e.assignee_now
),

activity AS (
    SELECT day, source, agent, n AS assigned, 0 AS resolved, 0 AS open_at_end FROM assigned
    UNION ALL
    SELECT day, source, agent, 0, n, 0 FROM resolved
    UNION ALL
    SELECT day, source, agent, 0, 0, n FROM held
)

SELECT
    day,
    source,
    agent,
    CAST(sum(assigned) AS BIGINT) AS assigned,
    CAST(sum(resolved) AS BIGINT) AS resolved,
    CAST(sum(open_at_end) AS BIGINT) AS open_at_end,
    CAST(sum(assigned) AS BIGINT) + CAST(sum(resolved) AS BIGINT) > 0 AS active
FROM activity
GROUP BY day, source, agent
