-- lifecycle_summary: per source: tickets, how they ended (closed, cancelled, vanished, still
-- open), lifetime hours of the tickets that ended (mean, maximum and the 95th percentile, the
-- cut-off below which 95% of lifetimes fall), update intervals and the system-versus-user lag.
WITH lives AS (
    SELECT
        source,
        count(*) AS tickets,
        count(CASE WHEN ended_by = 'closed' THEN 1 END) AS closed,
        count(CASE WHEN ended_by = 'cancelled' THEN 1 END) AS cancelled,
        count(CASE WHEN vanished THEN 1 END) AS vanished,
        count(CASE WHEN ended_by = 'open' THEN 1 END) AS still_open,
        avg(lifetime_hours) AS mean_lifetime_hours,
        max(lifetime_hours) AS max_lifetime_hours,
        quantile_cont(lifetime_hours, 0.95) AS p95_lifetime_hours
    FROM lifecycle_ticket
    GROUP BY source
),

intervals AS (
    SELECT
        source,
        count(*) AS update_intervals,
        avg(interval_hours) AS mean_update_interval_hours,
        median(interval_hours) AS median_update_interval_hours
    FROM lifecycle_update_interval
    GROUP BY source
),

lags AS (
    SELECT
        source,
        count(*) AS lagged_updates,
        avg(lag_seconds) AS mean_lag_seconds,
        stddev_samp(lag_seconds) AS stddev_lag_seconds
    FROM lifecycle_lag
    GROUP BY source
)

SELECT
    l.*,
    coalesce(i.update_intervals, 0) AS update_intervals,
    i.mean_update_interval_hours,
    i.median_update_interval_hours,
    coalesce(g.lagged_updates, 0) AS lagged_updates,
    g.mean_lag_seconds,
    g.stddev_lag_seconds
FROM lives AS l
LEFT JOIN intervals AS i ON i.source = l.source
LEFT JOIN lags AS g ON g.source = l.source
