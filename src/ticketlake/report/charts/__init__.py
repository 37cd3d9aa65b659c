"""The chart catalogue: every chart of the report, defined once and drawn once per source;
the same Vega-Lite specification goes into the HTML page and becomes the PNG file."""

from __future__ import annotations

from ticketlake.report.charts import flow, kpi, lifecycle, sla
from ticketlake.report.charts.base import Chart, Drawing, Rows

CATALOG: dict[str, Chart] = {
    c.name: c for c in (*kpi.CHARTS, *sla.CHARTS, *lifecycle.CHARTS, *flow.CHARTS)
}

__all__ = ["CATALOG", "Chart", "Drawing", "Rows"]
