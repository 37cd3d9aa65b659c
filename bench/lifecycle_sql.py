"""Seed 000's lifecycle metrics over one relation of snapshot rows, as both baselines compute
them: lifetimes, update intervals, system-versus-user lag, the summary and the histograms
(with a kernel density) of the whole source.

The rules are ticketlake's (docs/metrics.md, "Ticket lives" and "Modifications and system
records"), so the numbers can be compared with ``lifecycle_summary`` and the ``dimension =
'all'`` rows of ``lifecycle_distribution``. ``snap`` needs the columns ``snapshot_date``
(DATE), ``observed_at``, ``created_at`` and ``modified_at`` (naive UTC TIMESTAMPs, i.e.
``_ts``, ``createdTimeUtc`` and ``lastModifiedTimeUtc``) and ``issue_id``.
"""

from __future__ import annotations

from typing import Any

import duckdb

from bench import reference

# One row per ticket: a ticket missing from the latest snapshot has vanished and its life
# ended at its last modification; any other ticket is still open.
TICKETS = """
CREATE OR REPLACE TEMP TABLE lc_ticket AS
WITH per AS (
    SELECT issue_id, min(created_at) AS created_at, max(snapshot_date) AS last_snapshot,
           greatest(max(created_at), max(modified_at)) AS last_modified_at
    FROM snap GROUP BY issue_id
),
latest AS (SELECT max(snapshot_date) AS last_snapshot FROM snap)
SELECT p.issue_id, p.created_at,
       CASE WHEN p.last_snapshot < l.last_snapshot THEN 'vanished' ELSE 'open' END AS ended_by,
       CASE WHEN p.last_snapshot < l.last_snapshot
            THEN date_diff('microsecond', p.created_at, p.last_modified_at) / 3600000000.0
       END AS lifetime_hours
FROM per AS p CROSS JOIN latest AS l
"""

# Gaps between a ticket's consecutive distinct modification times, creation included.
INTERVALS = """
CREATE OR REPLACE TEMP TABLE lc_interval AS
SELECT issue_id, interval_hours FROM (
    SELECT issue_id,
           date_diff('microsecond', lag(t) OVER (PARTITION BY issue_id ORDER BY t), t)
               / 3600000000.0 AS interval_hours
    FROM (SELECT issue_id, created_at AS t FROM snap UNION SELECT issue_id, modified_at FROM snap)
)
WHERE interval_hours IS NOT NULL
"""

# Each distinct update once, recorded at the _ts of the first snapshot that showed it.
LAGS = """
CREATE OR REPLACE TEMP TABLE lc_lag AS
SELECT issue_id, date_diff('microsecond', modified_at, recorded_at) / 1000000.0 AS lag_seconds
FROM (SELECT issue_id, modified_at, arg_min(observed_at, snapshot_date) AS recorded_at
      FROM snap GROUP BY issue_id, modified_at)
"""

SUMMARY = """
SELECT
    (SELECT count(*) FROM lc_ticket) AS tickets,
    0 AS closed,
    0 AS cancelled,
    (SELECT count(*) FROM lc_ticket WHERE ended_by = 'vanished') AS vanished,
    (SELECT count(*) FROM lc_ticket WHERE ended_by = 'open') AS still_open,
    (SELECT avg(lifetime_hours) FROM lc_ticket) AS mean_lifetime_hours,
    (SELECT max(lifetime_hours) FROM lc_ticket) AS max_lifetime_hours,
    (SELECT quantile_cont(lifetime_hours, 0.95) FROM lc_ticket) AS p95_lifetime_hours,
    (SELECT count(*) FROM lc_interval) AS update_intervals,
    (SELECT avg(interval_hours) FROM lc_interval) AS mean_update_interval_hours,
    (SELECT median(interval_hours) FROM lc_interval) AS median_update_interval_hours,
    (SELECT count(*) FROM lc_lag) AS lagged_updates,
    (SELECT avg(lag_seconds) FROM lc_lag) AS mean_lag_seconds,
    (SELECT stddev_samp(lag_seconds) FROM lc_lag) AS stddev_lag_seconds
"""

# 20 equal bins from the smallest to the largest value, with a Gaussian kernel density
# (Silverman's bandwidth) at each bin's centre; the same arithmetic as lifecycle_distribution.
DISTRIBUTION = """
WITH vals AS (
    SELECT 'lifetime_hours' AS measure, lifetime_hours AS x FROM lc_ticket
    WHERE lifetime_hours IS NOT NULL
    UNION ALL SELECT 'update_interval_hours', interval_hours FROM lc_interval
    UNION ALL SELECT 'system_lag_seconds', lag_seconds FROM lc_lag
),
stats AS (
    SELECT measure, count(*) AS n, min(x) AS lo, max(x) AS hi,
           1.06 * stddev_samp(x) * power(count(*), -0.2) AS bandwidth
    FROM vals GROUP BY measure
),
bins AS (
    SELECT s.measure, s.n, s.bandwidth, b.bin,
           s.lo + (s.hi - s.lo) * (b.bin - 1) / 20.0 AS bin_start,
           s.lo + (s.hi - s.lo) * b.bin / 20.0 AS bin_end
    FROM stats AS s
    CROSS JOIN (SELECT CAST(unnest(generate_series(1, 20)) AS INTEGER) AS bin) AS b
),
counted AS (
    SELECT v.measure,
           least(20, coalesce(CAST(floor((v.x - s.lo) / nullif(s.hi - s.lo, 0) * 20)
                                   AS INTEGER), 0) + 1) AS bin,
           count(*) AS values_in_bin
    FROM vals AS v JOIN stats AS s USING (measure)
    GROUP BY 1, 2
),
density AS (
    SELECT b.measure, b.bin,
           sum(exp(-0.5 * power((((b.bin_start + b.bin_end) / 2) - v.x) / b.bandwidth, 2)))
           / (b.n * b.bandwidth * sqrt(2 * pi())) AS kde_density
    FROM bins AS b JOIN vals AS v USING (measure)
    WHERE b.bandwidth > 0
    GROUP BY b.measure, b.bin, b.n, b.bandwidth
)
SELECT b.measure, b.bin, b.bin_start, b.bin_end,
       CAST(coalesce(c.values_in_bin, 0) AS BIGINT) AS values_in_bin, d.kde_density,
       d.kde_density * b.n * (b.bin_end - b.bin_start) AS kde_count
FROM bins AS b
LEFT JOIN counted AS c USING (measure, bin)
LEFT JOIN density AS d USING (measure, bin)
ORDER BY b.measure, b.bin
"""


def compute(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Every lifecycle figure over the view or table ``snap`` in ``con``."""
    for statement in (TICKETS, INTERVALS, LAGS):
        con.execute(statement)
    return {
        "summary": reference.records(con, SUMMARY)[0],
        "distribution": reference.records(con, DISTRIBUTION),
    }

