-- theme_weekly: per ISO week (local, from its Monday) of creation, scope and theme, the tickets
-- created, with a row for every week of the calendar and every theme, zero included.
WITH weeks AS (
    SELECT DISTINCT week_start FROM dim_date
),

counted AS (
    SELECT
        CAST(date_trunc('week', day) AS DATE) AS week_start,
        scope,
        theme,
        CAST(sum(tickets) AS BIGINT) AS tickets
    FROM theme_daily
    GROUP BY ALL
)

SELECT
    w.week_start,
    h.scope,
    h.theme,
    h.label,
    coalesce(c.tickets, 0) AS tickets
FROM weeks AS w
CROSS JOIN text_theme AS h
LEFT JOIN counted AS c ON c.week_start = w.week_start AND c.scope = h.scope AND c.theme = h.theme
ORDER BY w.week_start, h.scope, h.theme
