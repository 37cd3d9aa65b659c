-- lifecycle_distribution: histograms of lifetime hours, update-interval hours and
-- system-versus-user lag seconds per source, for the whole source (dimension 'all') and per
-- priority, customer and group (dimension and value): 20 bins of equal width between the smallest and
-- the largest value, each with its count and a Gaussian kernel density estimate at its centre
-- (bandwidth by Silverman's rule, 1.06 * standard deviation * n^(-1/5)), given both as a
-- density and scaled to the bin's expected count so it can be drawn over the histogram. The
-- counts are exact; the density is summed over cells of nearby values, each at its mean, and
-- kde_error_bound bounds how far that is from the sum over every value (docs/metrics.md,
-- "Histograms and density curves"): 0 when every cell is one distinct value.
-- measured and vals are each read twice: NOT MATERIALIZED has DuckDB compute them again from
-- the tables rather than hold every value in memory (which does not fit a large lake).
WITH measured AS NOT MATERIALIZED (
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
vals AS NOT MATERIALIZED (
    SELECT source, measure, 'all' AS dimension, 'all' AS value, x FROM measured
    UNION ALL
    SELECT source, measure, 'priority', priority, x FROM measured WHERE priority IS NOT NULL
    UNION ALL
    SELECT source, measure, 'customer', customer, x FROM measured WHERE customer IS NOT NULL
    UNION ALL
    SELECT source, measure, 'group', group_name, x FROM measured WHERE group_name IS NOT NULL
),

-- One row per slice, numbered so that the passes below group by one integer.
stats AS (
    SELECT
        row_number() OVER (ORDER BY source, measure, dimension, value) AS slice,
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

-- The grid the density is summed over (docs/metrics.md): cells whose width is a power of
-- two, the largest not above a tenth of the bandwidth, or the smallest that cuts the range
-- into at most 20,000 cells if that is wider. A power of two keeps every value in the same
-- cell when the bandwidth differs in its last bits (another summation order). A slice with
-- no more values than cells keeps each distinct value as a cell of its own, so its density
-- is exact. NULL when the slice has no density.
grid AS (
    SELECT
        slice,
        n,
        lo,
        hi,
        cell_width,
        n <= (hi - lo) / cell_width + 1 AS exact
    FROM (
        SELECT
            *,
            power(
                2.0,
                greatest(
                    floor(log2(nullif(bandwidth, 0) / 10)),
                    ceil(log2(nullif(hi - lo, 0) / 20000))
                )
            ) AS cell_width
        FROM stats
    ) AS widths
),

bins AS (
    SELECT
        s.slice,
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

-- One pass over the values: each goes to its bin and, within it, to its cell of the grid. A
-- cell keeps its count, mean, variance and extremes.
cells AS (
    SELECT
        g.slice,
        -- least() skips a NULL: the coalesce must come first for a slice of equal values.
        least(
            20, coalesce(CAST(floor((v.x - g.lo) / nullif(g.hi - g.lo, 0) * 20) AS INTEGER), 0) + 1
        ) AS bin,
        CASE WHEN g.exact THEN v.x ELSE floor((v.x - g.lo) / g.cell_width) END AS cell,
        count(*) AS values_in_cell,
        avg(v.x) AS cell_mean,
        var_pop(v.x) AS cell_variance,
        min(v.x) AS cell_lo,
        max(v.x) AS cell_hi
    FROM vals AS v
    INNER JOIN stats AS s
        ON s.source = v.source AND s.measure = v.measure
        AND s.dimension = v.dimension AND s.value = v.value
    INNER JOIN grid AS g ON g.slice = s.slice
    GROUP BY 1, 2, 3
),

counted AS (
    SELECT slice, bin, CAST(sum(values_in_cell) AS BIGINT) AS values_in_bin
    FROM cells
    GROUP BY slice, bin
),

-- The kernel once per cell, at the cell's mean, weighted by its count. z is the distance from
-- the bin's centre to the mean, z_near to the nearest value of the cell (0 if the centre is
-- inside it), both in bandwidths.
terms AS (
    SELECT
        b.slice,
        b.bin,
        b.n,
        b.bandwidth,
        c.values_in_cell,
        c.cell_variance,
        (((b.bin_start + b.bin_end) / 2) - c.cell_mean) / b.bandwidth AS z,
        greatest(
            0,
            (((b.bin_start + b.bin_end) / 2) - c.cell_hi) / b.bandwidth,
            (c.cell_lo - ((b.bin_start + b.bin_end) / 2)) / b.bandwidth
        ) AS z_near
    FROM bins AS b
    INNER JOIN cells AS c ON c.slice = b.slice
    WHERE b.bandwidth > 0
),

-- The density, and how far it can be from the sum over every value: the sum over the values
-- of (x - cell mean)^2 times the largest |second derivative| of the kernel at z_near or
-- beyond (1 below sqrt(3), (z^2 - 1) exp(-z^2 / 2) above), over 2 * sqrt(2 pi) * n * h^3.
density AS (
    SELECT
        slice,
        bin,
        sum(values_in_cell * exp(-0.5 * z * z)) / (n * bandwidth * sqrt(2 * pi())) AS kde_density,
        sum(
            values_in_cell * cell_variance * CASE
                WHEN z_near < sqrt(3) THEN 1
                ELSE (z_near * z_near - 1) * exp(-0.5 * z_near * z_near)
            END
        )
        / (2 * sqrt(2 * pi()) * n * power(bandwidth, 3)) AS kde_error_bound
    FROM terms
    GROUP BY slice, bin, n, bandwidth
)

SELECT
    s.source,
    s.measure,
    s.dimension,
    s.value,
    b.bin,
    b.bin_start,
    b.bin_end,
    coalesce(c.values_in_bin, 0) AS values_in_bin,
    d.kde_density,
    d.kde_density * b.n * (b.bin_end - b.bin_start) AS kde_count,
    d.kde_error_bound
FROM bins AS b
INNER JOIN stats AS s ON s.slice = b.slice
LEFT JOIN counted AS c ON c.slice = b.slice AND c.bin = b.bin
LEFT JOIN density AS d ON d.slice = b.slice AND d.bin = b.bin
