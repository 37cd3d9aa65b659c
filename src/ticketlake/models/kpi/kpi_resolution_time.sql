-- kpi_resolution_time: hours from creation to final resolution, per ISO week of resolution,
-- source and priority: tickets resolved, mean, median and 90th percentile.
-- grain: week(week_start)
-- days: fact_ticket(resolved_date)
SELECT
    CAST(date_trunc('week', resolved_date) AS DATE) AS week_start,
    source,
    priority,
    count(resolution_hours) AS resolved,
    avg(resolution_hours) AS mean_hours,
    median(resolution_hours) AS median_hours,
    quantile_cont(resolution_hours, 0.9) AS p90_hours
FROM fact_ticket
WHERE resolution_hours IS NOT NULL
GROUP BY CAST(date_trunc('week', resolved_date) AS DATE), source, priority
