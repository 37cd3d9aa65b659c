-- dim_date: one row per local day from the first ticket's creation to the last event (each
-- ticket's days in its source's zone, so every local day of any source is here), with the
-- instant its backlog is counted at in the project's zone (kpis.backlog_cutoff_hour of that
-- local day, as a UTC instant; engine/dialect.py says what a skipped or repeated hour means).
-- grain: day(date_day)
WITH bounds AS (
    SELECT
        min(created_date) AS first_day,
        max(CAST(timezone(timezone, timezone('UTC', last_event_at)) AS DATE)) AS last_day
    FROM fact_ticket
),

series AS (
    SELECT unnest(generate_series(first_day, last_day, INTERVAL 1 DAY)) AS day_value
    FROM bounds
    WHERE first_day IS NOT NULL
),

days AS (
    SELECT
        CAST(day_value AS DATE) AS date_day,
        -- The cut-off as a local wall time; the KPIs convert it in each source's zone.
        CAST(CAST(day_value AS DATE) AS TIMESTAMP) + INTERVAL 1 HOUR * p.backlog_cutoff_hour
            AS backlog_cutoff_local,
        p.timezone
    FROM series
    CROSS JOIN cfg_params AS p
)

SELECT
    date_day,
    CAST(strftime(date_day, '%Y%m%d') AS INTEGER) AS date_key,
    strftime(date_day, '%A') AS day_name,
    strftime(date_day, '%A') IN ('Saturday', 'Sunday') AS is_weekend,
    CAST(date_trunc('week', date_day) AS DATE) AS week_start,
    year(CAST(date_trunc('week', date_day) AS DATE) + INTERVAL 3 DAY) AS iso_year,
    weekofyear(date_day) AS iso_week,
    concat(
        CAST(year(CAST(date_trunc('week', date_day) AS DATE) + INTERVAL 3 DAY) AS VARCHAR),
        '-W',
        lpad(CAST(weekofyear(date_day) AS VARCHAR), 2, '0')
    ) AS iso_week_label,
    CAST(date_trunc('month', date_day) AS DATE) AS month_start,
    strftime(date_day, '%Y-%m') AS month_label,
    month(date_day) AS month,
    quarter(date_day) AS quarter,
    year(date_day) AS year,
    backlog_cutoff_local,
    timezone('UTC', timezone(timezone, backlog_cutoff_local)) AS backlog_cutoff_at
FROM days
