-- dim_priority: one row per canonical priority, most urgent first, with its targets; plus
-- 'unknown' for raw values the settings do not map.
SELECT
    priority AS priority_key,
    priority,
    priority_rank,
    response_target_hours,
    resolution_target_hours
FROM cfg_priorities
UNION ALL
SELECT 'unknown', 'unknown', CAST(NULL AS INTEGER), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE)
