-- kpi_priority_summary: one row per source and priority over the whole history: tickets,
-- open and resolved tickets, resolution hours (mean, median, 90th percentile), median hours
-- to first response, the share of responded and of resolved tickets that met their target
-- (open tickets are not judged here; kpi_target_attainment counts overdue ones), reopen rate, and
-- the source's own SLA flag where it has one.
SELECT
    f.source,
    f.priority,
    max(p.priority_rank) AS priority_rank,
    count(*) AS tickets,
    count(CASE WHEN f.is_open THEN 1 END) AS open_tickets,
    count(f.resolution_hours) AS resolved,
    avg(f.resolution_hours) AS mean_resolution_hours,
    median(f.resolution_hours) AS median_resolution_hours,
    quantile_cont(f.resolution_hours, 0.9) AS p90_resolution_hours,
    median(f.first_response_hours) AS median_first_response_hours,
    100.0 * count(CASE WHEN f.within_response_target THEN 1 END)
    / nullif(count(f.within_response_target), 0) AS responded_within_target_pct,
    100.0 * count(CASE WHEN f.within_resolution_target THEN 1 END)
    / nullif(count(f.within_resolution_target), 0) AS resolved_within_target_pct,
    100.0 * count(CASE WHEN f.reopen_count > 0 AND f.first_resolved_at IS NOT NULL THEN 1 END)
    / nullif(count(f.first_resolved_at), 0) AS reopen_rate_pct,
    100.0 * count(CASE WHEN f.source_sla_met THEN 1 END)
    / nullif(count(f.source_sla_met), 0) AS source_sla_met_pct
FROM fact_ticket AS f
LEFT JOIN cfg_priorities AS p ON p.priority = f.priority
GROUP BY f.source, f.priority
