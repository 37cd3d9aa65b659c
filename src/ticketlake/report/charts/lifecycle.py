"""Charts of the lifecycle tables (models/lifecycle/): the histograms of lifetimes, update
intervals and system lag. ``lifecycle_distribution`` bins each source's whole history, so
these charts do not follow the report's period.

A long-tailed measure (its 99th percentile more than ``LONG_TAIL_RATIO`` times its median)
squeezes nearly every value into the first of the model's 20 bins of equal width. It is drawn
instead on a log scale, in ``BINS`` bins of equal width in the logarithm from the smallest
value above 0 to the largest, counted here from the same values the model bins; a log axis
cannot place 0, so the values of 0 or less are counted in the axis title, not drawn, and the
density curve (the model's, per bin of equal width) is left out (docs/report.md).
"""

from __future__ import annotations

from collections.abc import Callable

from ticketlake.common.sqltext import lit
from ticketlake.report.charts import marks
from ticketlake.report.charts.base import Chart, Drawing, Rows
from ticketlake.report.scope import Scope

LONG_TAIL_RATIO = 10  # p99 / p50 above which a distribution is drawn on a log scale
BINS = 20  # as many as lifecycle_distribution has
# Where each measure's values are, as lifecycle_distribution reads them.
VALUES = {
    "lifetime_hours": ("lifecycle_ticket", "lifetime_hours"),
    "update_interval_hours": ("lifecycle_update_interval", "interval_hours"),
    "system_lag_seconds": ("lifecycle_lag", "lag_seconds"),
}


def _bins(measure: str) -> Callable[[Scope], str]:
    """SQL of the bins of ``measure`` over the whole source: the model's 20 bins of equal
    width with each bin's centre, or, for a long tail, ``BINS`` bins of equal width in the
    logarithm; ``scale`` says which."""

    def sql(scope: Scope) -> str:
        table, column = VALUES[measure]
        linear = scope.table("distributions", measure=measure, dimension="all")
        return (
            f"WITH v AS (SELECT {column} AS x FROM {table} "
            f"WHERE source = {lit(scope.source)} AND {column} IS NOT NULL), "
            f"s AS ({_tail_stats()}), "
            "b AS (SELECT CAST(unnest(generate_series(1, "
            f"{BINS})) AS INTEGER) AS bin), "
            f"{_log_bins()} "
            "SELECT 'linear' AS scale, bin, bin_start, bin_end, "
            "(bin_start + bin_end) / 2 AS bin_mid, values_in_bin, kde_count, "
            f"CAST(NULL AS BIGINT) AS not_drawn FROM ({linear}) "
            "WHERE NOT (SELECT log_scale FROM s) "
            "UNION ALL SELECT * FROM logs ORDER BY bin"
        )

    return sql


def _tail_stats() -> str:
    """The values' median and 99th percentile, the range above 0, and whether it is a long
    tail: the median above 0, the 99th percentile above ``LONG_TAIL_RATIO`` times it."""
    return ("SELECT quantile_cont(x, 0.5) AS p50, quantile_cont(x, 0.99) AS p99, "
            "min(x) FILTER (WHERE x > 0) AS lo, max(x) AS hi, "
            "count(*) FILTER (WHERE x <= 0) AS not_drawn, "
            f"coalesce(quantile_cont(x, 0.5) > 0 AND quantile_cont(x, 0.99) > "
            f"{LONG_TAIL_RATIO} * quantile_cont(x, 0.5) AND max(x) > min(x) FILTER (WHERE x > 0), "
            "false) AS log_scale FROM v")  # fmt: skip


def _log_bins() -> str:
    """The long tail's bins: edges ``lo * (hi / lo) ^ (k / BINS)``, each value above 0 in
    the bin of its logarithm (the largest in the last)."""
    edge = "s.lo * power(s.hi / s.lo, ({k}) / {n}.0)"
    start, end = edge.format(k="b.bin - 1", n=BINS), edge.format(k="b.bin", n=BINS)
    which = f"least({BINS}, CAST(floor(ln(v.x / s.lo) / ln(s.hi / s.lo) * {BINS}) AS INTEGER) + 1)"
    return (f"counted AS (SELECT {which} AS bin, count(*) AS n FROM v, s "
            "WHERE v.x > 0 AND s.log_scale GROUP BY 1), "
            f"logs AS (SELECT 'log' AS scale, b.bin, {start} AS bin_start, {end} AS bin_end, "
            f"sqrt(({start}) * ({end})) AS bin_mid, coalesce(c.n, 0) AS values_in_bin, "
            "CAST(NULL AS DOUBLE) AS kde_count, s.not_drawn "
            "FROM b CROSS JOIN s LEFT JOIN counted AS c ON c.bin = b.bin WHERE s.log_scale)")  # fmt: skip


def _draw(measure: str, counted: str) -> Callable[[Rows, Scope], Drawing]:
    def draw(rows: Rows, scope: Scope) -> Drawing:
        return marks.histogram(rows, measure, counted)

    return draw


CHARTS = (
    Chart("lifetime", "Lifetime distribution", "lifecycle_distribution (lifetime_hours); a long tail: lifecycle_ticket",
          "no ticket of the source has ended (closed, cancelled or vanished from the snapshots)",
          _bins("lifetime_hours"), _draw("Lifetime (hours)", "Tickets"), whole_history=True),
    Chart("update_interval", "Update-interval distribution",
          "lifecycle_distribution (update_interval_hours); a long tail: lifecycle_update_interval",
          "no ticket was modified after its creation", _bins("update_interval_hours"),
          _draw("Hours between consecutive modifications", "Intervals"), whole_history=True),
    Chart("system_lag", "System-versus-user lag distribution",
          "lifecycle_distribution (system_lag_seconds); a long tail: lifecycle_lag",
          "the export records no system time (only daily snapshots carry one, their _ts)",
          _bins("system_lag_seconds"),
          _draw("Lag from the user's change to the system's record (seconds)", "Updates"),
          whole_history=True),
)  # fmt: skip
