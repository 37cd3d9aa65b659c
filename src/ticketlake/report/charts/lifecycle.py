"""Charts of the lifecycle tables (models/lifecycle/): the histograms of lifetimes, update
intervals and system lag, each with its kernel density curve. ``lifecycle_distribution``
bins each source's whole history, so these charts do not follow the report's period."""

from __future__ import annotations

from collections.abc import Callable

from ticketlake.report.charts import marks
from ticketlake.report.charts.base import Chart, Drawing, Rows
from ticketlake.report.scope import Scope


def _bins(measure: str) -> Callable[[Scope], str]:
    """SQL of the 20 bins of ``measure`` over the whole source, with each bin's centre."""

    def sql(scope: Scope) -> str:
        table = scope.table("distributions", measure=measure, dimension="all")
        return ("SELECT bin, bin_start, bin_end, (bin_start + bin_end) / 2 AS bin_mid, "
                f"values_in_bin, kde_count FROM ({table}) ORDER BY bin")  # fmt: skip

    return sql


def _draw(measure: str, counted: str) -> Callable[[Rows], Drawing]:
    def draw(rows: Rows) -> Drawing:
        return marks.histogram(rows, measure, counted)

    return draw


CHARTS = (
    Chart("lifetime", "Lifetime distribution", "lifecycle_distribution (lifetime_hours)",
          "no ticket of the source has ended (closed, cancelled or vanished from the snapshots)",
          _bins("lifetime_hours"), _draw("Lifetime (hours)", "Tickets"), whole_history=True),
    Chart("update_interval", "Update-interval distribution",
          "lifecycle_distribution (update_interval_hours)",
          "no ticket was modified after its creation", _bins("update_interval_hours"),
          _draw("Hours between consecutive modifications", "Intervals"), whole_history=True),
    Chart("system_lag", "System-versus-user lag distribution",
          "lifecycle_distribution (system_lag_seconds)",
          "the export records no system time (only daily snapshots carry one, their _ts)",
          _bins("system_lag_seconds"),
          _draw("Lag from the user's change to the system's record (seconds)", "Updates"),
          whole_history=True),
)  # fmt: skip
