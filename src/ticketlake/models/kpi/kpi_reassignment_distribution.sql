-- kpi_reassignment_distribution: how many tickets were reassigned 0, 1, 2, 3, 4 or 5+ times,
-- per source and priority, with each count's share of the source's tickets of that priority.
SELECT
    source,
    priority,
    CASE WHEN reassignment_count >= 5 THEN '5+' ELSE CAST(reassignment_count AS VARCHAR) END
        AS reassignments,
    count(*) AS tickets,
    100.0 * count(*) / sum(count(*)) OVER (PARTITION BY source, priority) AS share_pct
FROM fact_ticket
WHERE reassignment_count IS NOT NULL
GROUP BY
    source,
    priority,
    CASE WHEN reassignment_count >= 5 THEN '5+' ELSE CAST(reassignment_count AS VARCHAR) END
