"""The chart catalogue: every chart and table of the report, defined once and drawn once per
source; the same Vega-Lite specification goes into the HTML page and becomes the PNG file, and
the dashboard draws the same (and the same tables).

To draw a chart anywhere: ``rows = data.rows(con, chart.sql(scope))``; no rows means the chart
is left out (``chart.empty`` says why); else ``spec(chart, rows, scope)`` is its Vega-Lite
specification, sized to its container (``spec(..., width=760)`` for a fixed width). A chart or
table whose ``needs`` the build lacks (the themes, without ``text.enabled``) is not drawn at
all: :func:`charts_of` and :func:`tables_of` give those a build has.
"""

from __future__ import annotations

import duckdb

from ticketlake.common.duck import relations
from ticketlake.report.charts import flow, kpi, lifecycle, sla, themes
from ticketlake.report.charts.base import Chart, Column, Drawing, Rows, Table
from ticketlake.report.charts.present import PNG_WIDTH, fixed_width, spec

CATALOG: dict[str, Chart] = {
    c.name: c for c in (*kpi.CHARTS, *sla.CHARTS, *lifecycle.CHARTS, *flow.CHARTS, *themes.CHARTS)
}
TABLES: dict[str, Table] = {t.name: t for t in themes.TABLES}
ABSENT = {themes.NEEDS: themes.OFF}  # why a build lacks a table some charts need


def absent(item: Chart | Table) -> str:
    """Why a build without the table ``item`` needs cannot draw it."""
    return ABSENT.get(item.needs or "", f"this build has no {item.needs} table")


def has(con: duckdb.DuckDBPyConnection, item: Chart | Table) -> bool:
    """Whether the build ``con`` reads has the table ``item`` needs."""
    return item.needs is None or item.needs in relations(con)


def charts_of(con: duckdb.DuckDBPyConnection) -> dict[str, Chart]:
    """The charts of the catalogue the build has the tables of."""
    found = relations(con)
    return {n: c for n, c in CATALOG.items() if c.needs is None or c.needs in found}


def tables_of(con: duckdb.DuckDBPyConnection) -> dict[str, Table]:
    """The tables of the catalogue the build has the tables of."""
    found = relations(con)
    return {n: t for n, t in TABLES.items() if t.needs is None or t.needs in found}


__all__ = [
    "CATALOG",
    "PNG_WIDTH",
    "TABLES",
    "Chart",
    "Column",
    "Drawing",
    "Rows",
    "Table",
    "absent",
    "charts_of",
    "fixed_width",
    "has",
    "spec",
    "tables_of",
]
