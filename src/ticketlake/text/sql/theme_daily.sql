-- theme_daily: per local day of creation, source and theme, the tickets created. A ticket
-- without any of its model's terms has theme NULL (label '(no theme)'), so the rows of a day
-- add up to the tickets created that day.
SELECT
    f.created_date AS day,
    f.source,
    t.scope,
    t.theme,
    coalesce(h.label, '(no theme)') AS label,
    count(*) AS tickets
FROM fact_ticket AS f
INNER JOIN text_ticket AS t ON t.source = f.source AND t.ticket_id = f.ticket_id
LEFT JOIN text_theme AS h ON h.scope = t.scope AND h.theme = t.theme
GROUP BY ALL
ORDER BY day, source, theme
