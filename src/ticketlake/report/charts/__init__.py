"""The chart catalogue: every chart of the report, defined once and drawn once per source;
the same Vega-Lite specification goes into the HTML page and becomes the PNG file, and the
dashboard draws the same.

To draw a chart anywhere: ``rows = data.rows(con, chart.sql(scope))``; no rows means the chart
is left out (``chart.empty`` says why); else ``spec(chart, rows, scope)`` is its Vega-Lite
specification, sized to its container (``spec(..., width=760)`` for a fixed width).
"""

from __future__ import annotations

from ticketlake.report.charts import flow, kpi, lifecycle, sla
from ticketlake.report.charts.base import Chart, Drawing, Rows
from ticketlake.report.charts.present import PNG_WIDTH, fixed_width, spec

CATALOG: dict[str, Chart] = {
    c.name: c for c in (*kpi.CHARTS, *sla.CHARTS, *lifecycle.CHARTS, *flow.CHARTS)
}

__all__ = ["CATALOG", "PNG_WIDTH", "Chart", "Drawing", "Rows", "fixed_width", "spec"]
