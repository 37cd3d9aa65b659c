-- kpi_response_time: hours from creation to first response, per ISO week of creation, source
-- and priority: tickets responded, mean, median and 90th percentile (linear interpolation).
-- grain: week(week_start)
-- days: fact_ticket(created_date)
SELECT
    CAST(date_trunc('week', created_date) AS DATE) AS week_start,
    source,
    priority,
    count(first_response_hours) AS responded,
    avg(first_response_hours) AS mean_hours,
    median(first_response_hours) AS median_hours,
    quantile_cont(first_response_hours, 0.9) AS p90_hours
FROM fact_ticket
WHERE first_response_hours IS NOT NULL
GROUP BY CAST(date_trunc('week', created_date) AS DATE), source, priority
