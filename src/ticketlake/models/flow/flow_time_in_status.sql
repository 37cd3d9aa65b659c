-- flow_time_in_status: per source and status, the completed stays (a ticket entered the
-- status and later left it): how many, on how many tickets, and their hours in total, mean,
-- median and 90th percentile; plus the stays still going on.
SELECT
    source,
    status,
    max(status_category) AS status_category,
    count(hours) AS stays,
    count(DISTINCT CASE WHEN hours IS NOT NULL THEN ticket_id END) AS tickets,
    sum(hours) AS total_hours,
    avg(hours) AS mean_hours,
    median(hours) AS median_hours,
    quantile_cont(hours, 0.9) AS p90_hours,
    count(*) - count(hours) AS current_stays
FROM flow_status_interval
GROUP BY source, status
