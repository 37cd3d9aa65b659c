-- kpi_volume_daily: tickets created, resolved and closed per local day (in the source's
-- zone), by the ticket's current source, priority, category, group, channel and location. A
-- ticket counts as resolved on the day of its final resolution and as closed on the day it
-- was closed; reopened tickets that are open again count as created only.
-- grain: day
-- days: fact_ticket(created_date, resolved_date, closed_date)
WITH activity AS (
    SELECT created_date AS day, source, priority, category, group_name, channel, location,
           1 AS created, 0 AS resolved, 0 AS closed
    FROM fact_ticket
    UNION ALL
    SELECT resolved_date, source, priority, category, group_name, channel, location, 0, 1, 0
    FROM fact_ticket
    WHERE resolved_date IS NOT NULL
    UNION ALL
    SELECT closed_date, source, priority, category, group_name, channel, location, 0, 0, 1
    FROM fact_ticket
    WHERE closed_date IS NOT NULL
)

SELECT
    day,
    source,
    priority,
    category,
    group_name,
    channel,
    location,
    CAST(sum(created) AS BIGINT) AS created,
    CAST(sum(resolved) AS BIGINT) AS resolved,
    CAST(sum(closed) AS BIGINT) AS closed
FROM activity
GROUP BY day, source, priority, category, group_name, channel, location
