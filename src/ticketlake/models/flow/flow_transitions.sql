-- flow_transitions: the status transition matrix per source: how often tickets moved from one
-- status to the next, and the median hours they had spent in the first before moving.
SELECT
    source,
    status AS from_status,
    next_status AS to_status,
    count(*) AS transitions,
    median(hours) AS median_hours
FROM flow_status_interval
WHERE next_status IS NOT NULL
GROUP BY source, status, next_status
