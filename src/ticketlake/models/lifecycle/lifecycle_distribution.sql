-- lifecycle_distribution: histograms of lifetime hours, update-interval hours and
-- system-versus-user lag seconds per source, for the whole source (dimension 'all') and per
-- priority, customer and group (dimension and value): 20 bins of equal width between the smallest and
-- the largest value, each with its count and a Gaussian kernel density estimate at its centre
-- (bandwidth by Silverman's rule, 1.06 * standard deviation * n^(-1/5)), given both as a
-- density and scaled to the bin's expected count so it can be drawn over the histogram.
WITH measured AS (
    SELECT source, priority, customer, group_name, 'lifetime_hours' AS measure, lifetime_hours AS x
    FROM lifecycle_ticket
    WHERE lifetime_hours IS NOT NULL
    UNION ALL
    SELECT source, priority, customer, group_name, 'update_interval_hours', interval_hours
    FROM lifecycle_update_interval
    UNION ALL
    SELECT source, priority, customer, group_name, 'system_lag_seconds', lag_seconds
    FROM lifecycle_lag
),

-- Each value once for the whole source, and once more per priority, customer and group.
vals AS (
    SELECT source, measure, 'all' AS dimension, 'all' AS value, x FROM measured
    UNION ALL
    SELECT source, measure, 'priority', priority, x FROM measured WHERE priority IS NOT NULL
    UNION ALL
    SELECT source, measure, 'customer', customer, x FROM measured WHERE customer IS NOT NULL
    UNION ALL
    SELECT source, measure, 'group', group_name, x FROM measured WHERE group_name IS NOT NULL
),

stats AS (
    SELECT
        source,
        measure,
        dimension,
        value,
        count(*) AS n,
        min(x) AS lo,
        max(x) AS hi,
        1.06 * stddev_samp(x) * power(count(*), -0.2) AS bandwidth
    FROM vals
    GROUP BY source, measure, dimension, value
),

bins AS (
    SELECT
        s.source,
        s.measure,
        s.dimension,
        s.value,
        s.n,
        s.bandwidth,
        b.bin,
        s.lo + (s.hi - s.lo) * (b.bin - 1) / 20.0 AS bin_start,
        s.lo + (s.hi - s.lo) * b.bin / 20.0 AS bin_end
    FROM stats AS s
    CROSS JOIN (
        SELECT CAST(bin_value AS INTEGER) AS bin
        FROM (SELECT unnest(generate_series(1, 20)) AS bin_value) AS series
    ) AS b
),

counted AS (
    SELECT
        v.source,
        v.measure,
        v.dimension,
        v.value,
        coalesce(
            least(20, CAST(floor((v.x - s.lo) / nullif(s.hi - s.lo, 0) * 20) AS INTEGER) + 1),
            1
        ) AS bin,
        count(*) AS values_in_bin
    FROM vals AS v
    INNER JOIN stats AS s
        ON s.source = v.source AND s.measure = v.measure
        AND s.dimension = v.dimension AND s.value = v.value
    GROUP BY 1, 2, 3, 4, 5
),

density AS (
    SELECT
        b.source,
        b.measure,
        b.dimension,
        b.value,
        b.bin,
        sum(exp(-0.5 * power((((b.bin_start + b.bin_end) / 2) - v.x) / b.bandwidth, 2)))
        / (b.n * b.bandwidth * sqrt(2 * pi())) AS kde_density
    FROM bins AS b
    INNER JOIN vals AS v
        ON v.source = b.source AND v.measure = b.measure
        AND v.dimension = b.dimension AND v.value = b.value
    WHERE b.bandwidth > 0
    GROUP BY b.source, b.measure, b.dimension, b.value, b.bin, b.n, b.bandwidth
)

SELECT
    b.source,
    b.measure,
    b.dimension,
    b.value,
    b.bin,
    b.bin_start,
    b.bin_end,
    coalesce(c.values_in_bin, 0) AS values_in_bin,
    d.kde_density,
    d.kde_density * b.n * (b.bin_end - b.bin_start) AS kde_count
FROM bins AS b
LEFT JOIN counted AS c
    ON c.source = b.source AND c.measure = b.measure AND c.dimension = b.dimension
    AND c.value = b.value AND c.bin = b.bin
LEFT JOIN density AS d
    ON d.source = b.source AND d.measure = b.measure AND d.dimension = b.dimension
    AND d.value = b.value AND d.bin = b.bin
