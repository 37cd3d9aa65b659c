-- kpi_agent_summary: per source and technician over the whole history: tickets assigned and
-- resolved, active days (days with at least one assignment or resolution) and the averages
-- per active day.
SELECT
    source,
    agent,
    CAST(sum(assigned) AS BIGINT) AS assigned,
    CAST(sum(resolved) AS BIGINT) AS resolved,
    count(CASE WHEN active THEN 1 END) AS active_days,
    CAST(sum(assigned) AS BIGINT) / nullif(count(CASE WHEN active THEN 1 END), 0)
        AS assigned_per_active_day,
    CAST(sum(resolved) AS BIGINT) / nullif(count(CASE WHEN active THEN 1 END), 0)
        AS resolved_per_active_day
FROM kpi_agent_load_daily
GROUP BY source, agent
