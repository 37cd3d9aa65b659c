-- theme_weekly: per ISO week (local, from its Monday) of creation, scope, source (and across
-- the scope's sources, source '*') and theme, the tickets created, with a row for every week
-- of the calendar, every theme and every source of its scope, zero included.
WITH weeks AS (
    SELECT DISTINCT week_start FROM dim_date
),

sources AS (
    SELECT DISTINCT scope, source FROM text_ticket
    UNION
    SELECT DISTINCT scope, '*' AS source FROM text_ticket
),

daily AS (
    SELECT CAST(date_trunc('week', day) AS DATE) AS week_start, scope, source, theme, tickets
    FROM theme_daily
),

counted AS (
    SELECT
        week_start,
        scope,
        coalesce(source, '*') AS source,
        theme,
        CAST(sum(tickets) AS BIGINT) AS tickets
    FROM daily
    GROUP BY GROUPING SETS ((week_start, scope, source, theme), (week_start, scope, theme))
)

SELECT
    w.week_start,
    h.scope,
    s.source,
    h.theme,
    h.label,
    coalesce(c.tickets, 0) AS tickets
FROM weeks AS w
CROSS JOIN text_theme AS h
INNER JOIN sources AS s ON s.scope = h.scope
LEFT JOIN counted AS c
    ON c.week_start = w.week_start AND c.scope = h.scope AND c.source = s.source
    AND c.theme = h.theme
ORDER BY w.week_start, h.scope, s.source, h.theme
