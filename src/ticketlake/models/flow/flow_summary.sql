-- flow_summary: per source, over tickets with a process history: throughput hours (mean,
-- median, 90th percentile, maximum), handoffs, ping-pong (among tickets with a group path)
-- and tiered-support conformance (among tickets with a level path).
SELECT
    source,
    count(*) AS tickets,
    avg(throughput_hours) AS mean_throughput_hours,
    median(throughput_hours) AS median_throughput_hours,
    quantile_cont(throughput_hours, 0.9) AS p90_throughput_hours,
    max(throughput_hours) AS max_throughput_hours,
    count(CASE WHEN group_changes > 0 THEN 1 END) AS tickets_with_group_handoffs,
    avg(group_changes) AS mean_group_changes,
    avg(assignee_changes) AS mean_assignee_changes,
    count(ping_pong) AS grouped_tickets,
    count(CASE WHEN ping_pong THEN 1 END) AS ping_pong_tickets,
    100.0 * count(CASE WHEN ping_pong THEN 1 END) / nullif(count(ping_pong), 0) AS ping_pong_pct,
    count(tier_conformant) AS tiered_tickets,
    count(CASE WHEN tier_conformant THEN 1 END) AS conformant_tickets,
    100.0 * count(CASE WHEN tier_conformant THEN 1 END) / nullif(count(tier_conformant), 0)
        AS conformance_pct
FROM flow_ticket
GROUP BY source
