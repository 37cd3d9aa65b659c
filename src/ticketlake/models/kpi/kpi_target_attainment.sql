-- kpi_target_attainment: tickets created each day, by source and priority, against the
-- response and resolution targets of their priority. A resolution breach is a resolution
-- later than the target, or a ticket still open whose target had passed by the source's last
-- event (its "as of" time); an open ticket still inside its target is pending.
WITH as_of AS (
    SELECT source, max(last_event_at) AS as_of_at FROM fact_ticket GROUP BY source
),

judged AS (
    SELECT
        f.*,
        f.resolution_target_hours IS NOT NULL AS has_target,
        f.is_open
        AND f.resolution_target_hours IS NOT NULL
        AND date_diff('microsecond', f.created_at, a.as_of_at) / 3600000000.0
        > f.resolution_target_hours AS overdue_open
    FROM fact_ticket AS f
    INNER JOIN as_of AS a ON a.source = f.source
),

counted AS (
    SELECT
    created_date AS day,
    source,
    priority,
    count(*) AS tickets,
    count(CASE WHEN has_target THEN 1 END) AS with_target,
    count(CASE WHEN within_response_target THEN 1 END) AS response_within,
    count(CASE WHEN NOT within_response_target THEN 1 END) AS response_breached,
    count(CASE WHEN within_resolution_target THEN 1 END) AS resolution_within,
    count(CASE WHEN NOT within_resolution_target THEN 1 END) AS resolution_late,
    count(CASE WHEN overdue_open THEN 1 END) AS overdue_open,
    count(CASE WHEN has_target AND is_open AND NOT overdue_open THEN 1 END) AS pending
FROM judged
GROUP BY created_date, source, priority
)

SELECT
    *,
    100.0 * response_within / nullif(response_within + response_breached, 0)
        AS response_attainment_pct,
    100.0 * resolution_within / nullif(resolution_within + resolution_late + overdue_open, 0)
        AS resolution_attainment_pct,
    100.0 * (resolution_late + overdue_open)
    / nullif(resolution_within + resolution_late + overdue_open, 0) AS breach_pct
FROM counted
