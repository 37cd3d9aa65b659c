-- flow_variants: per source, each distinct sequence of statuses a ticket stayed in (its
-- variant), with how many tickets followed it, their share and their median throughput hours.
SELECT
    source,
    variant,
    count(*) AS tickets,
    100.0 * count(*) / sum(count(*)) OVER (PARTITION BY source) AS share_pct,
    median(throughput_hours) AS median_throughput_hours
FROM flow_ticket
WHERE variant IS NOT NULL
GROUP BY source, variant
