-- theme_rising: per week, scope, source (and across the scope's sources, '*') and theme, the tickets created that week against the week
-- before, and whether the theme is rising: at least text.rising_min_tickets this week and
-- more than the previous week by text.rising_z standard errors, z = (this - previous) /
-- sqrt(this + previous), the normal approximation of the test that two Poisson counts share a
-- rate (docs/text.md#rising-themes). The calendar's first week has no week before it, so
-- it never rises. first_rising_week is the first week the theme rose.
WITH paired AS (
    SELECT
        week_start,
        scope,
        source,
        theme,
        label,
        tickets,
        lag(tickets) OVER (PARTITION BY scope, source, theme ORDER BY week_start)
            AS previous_tickets
    FROM theme_weekly
),

scored AS (
    SELECT
        p.*,
        CASE WHEN p.tickets + p.previous_tickets > 0
            THEN (p.tickets - p.previous_tickets) / sqrt(p.tickets + p.previous_tickets)
        END AS z,
        coalesce(p.tickets >= r.min_tickets
            AND (p.tickets - p.previous_tickets)
                / sqrt(nullif(p.tickets + p.previous_tickets, 0)) >= r.z, false) AS rising
    FROM paired AS p
    CROSS JOIN _text_params AS r
)

SELECT
    *,
    min(CASE WHEN rising THEN week_start END) OVER (PARTITION BY scope, source, theme)
        AS first_rising_week
FROM scored
ORDER BY week_start, scope, source, theme
