-- kpi_reopen_rate: per ISO week (local) of first resolution, source and priority: tickets resolved at
-- least once, how many of them were reopened at least once, the reopen rate and the reopens.
-- grain: week(week_start)
-- days: fact_ticket(first_resolved_date)
SELECT
    CAST(date_trunc('week', first_resolved_date) AS DATE) AS week_start,
    source,
    priority,
    count(*) AS resolved_tickets,
    count(CASE WHEN reopen_count > 0 THEN 1 END) AS reopened_tickets,
    100.0 * count(CASE WHEN reopen_count > 0 THEN 1 END) / count(*) AS reopen_rate_pct,
    CAST(sum(reopen_count) AS BIGINT) AS reopens
FROM fact_ticket
WHERE first_resolved_at IS NOT NULL
GROUP BY CAST(date_trunc('week', first_resolved_date) AS DATE), source, priority
