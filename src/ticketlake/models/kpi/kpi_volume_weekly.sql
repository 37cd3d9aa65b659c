-- kpi_volume_weekly: kpi_volume_daily summed per ISO week (weeks start on Monday).
-- grain: week(week_start)
-- days: kpi_volume_daily(day), dim_date(date_day)
SELECT
    d.week_start,
    d.iso_week_label AS iso_week,
    v.source,
    v.priority,
    v.category,
    v.group_name,
    v.channel,
    v.location,
    CAST(sum(v.created) AS BIGINT) AS created,
    CAST(sum(v.resolved) AS BIGINT) AS resolved,
    CAST(sum(v.closed) AS BIGINT) AS closed
FROM kpi_volume_daily AS v
INNER JOIN dim_date AS d ON d.date_day = v.day
GROUP BY d.week_start, d.iso_week_label, v.source, v.priority, v.category, v.group_name,
    v.channel, v.location
