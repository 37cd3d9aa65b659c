"""The chart shapes the catalogue uses, built with Altair (Vega-Lite); shared so that every
chart of one kind looks the same. Column names in the rows are their display labels where
they become a legend entry."""

from __future__ import annotations

import json
from typing import Any, Literal

import altair as alt

from ticketlake.report.charts.base import Rows

WIDTH = 640
HEIGHT = 260
BAR = 16  # thickness of one bar in a horizontal bar chart, in pixels
MIN_HEIGHT = 160
LABEL_LIMIT = 260  # longest category label on an axis, in pixels (longer ones end in ...)
# A category axis title set above its labels, right-aligned to the axis: long labels cannot
# run into it, whatever their measured width.
ABOVE_LABELS: dict[str, Any] = {
    "titleAngle": 0,
    "titleAlign": "right",
    "titleX": 0,
    "titleY": -10,
    "titleBaseline": "bottom",
}
COLORS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2"]


def data(rows: Rows) -> alt.InlineData:
    """The rows inlined in the chart: the page and the PNG need no other file."""
    return alt.InlineData(values=rows)


def fold(series: list[str]) -> list[str | alt.FieldName]:
    """The columns ``transform_fold`` turns into ``series`` (their name) and ``value``."""
    return list(series)


def series_color(series: list[str], title: str | None = None,
                 legend_at: Literal["top", "bottom"] = "top") -> alt.Color:  # fmt: skip
    """A colour per series, in the given order, with a legend when there are several."""
    legend = alt.Legend(orient=legend_at) if len(series) > 1 else None
    return alt.Color("series:N", title=title, sort=series, legend=legend,
                     scale=alt.Scale(domain=series, range=COLORS[: len(series)]))  # fmt: skip


def day_x() -> alt.X:
    """Days on the x axis: the warehouse's local days (each chart's subtitle names the zone),
    read as UTC dates so that the browser's own zone cannot shift them."""
    return alt.X("day:T", timeUnit="utcyearmonthdate", title="Day (local)",
                 axis=alt.Axis(format="%d %b", labelAngle=0))  # fmt: skip


def day_tooltip() -> alt.Tooltip:
    """The day, in tooltips."""
    return alt.Tooltip("day:T", timeUnit="utcyearmonthdate", title="Day", format="%Y-%m-%d")


def lines_by_day(rows: Rows, series: list[str], unit: str, fmt: str = ",.0f",
                 domain: tuple[float, float] | None = None) -> alt.Chart:  # fmt: skip
    """One line per column of ``series`` over the days of the period."""
    scale = alt.Scale(domain=list(domain)) if domain else alt.Scale(zero=True)
    chart: alt.Chart = (
        alt.Chart(data(rows))
        .transform_fold(fold(series), as_=["series", "value"])
        .mark_line(point=True, strokeWidth=2)
        .encode(x=day_x(), y=alt.Y("value:Q", title=unit, scale=scale),
                color=series_color(series),
                tooltip=[day_tooltip(), alt.Tooltip("series:N", title="Series"),
                         alt.Tooltip("value:Q", title=unit, format=fmt)])
        .properties(width=WIDTH, height=HEIGHT)
        .interactive(bind_y=False)
    )  # fmt: skip
    return chart


def stacked_by_day(rows: Rows, stack: str, order: str, value: str, unit: str,
                   legend: str) -> alt.Chart:  # fmt: skip
    """Bars per day, stacked by ``stack`` in the order of ``order``."""
    chart: alt.Chart = (
        alt.Chart(data(rows))
        .mark_bar()
        .encode(x=day_x(), y=alt.Y(f"{value}:Q", title=unit, stack="zero"),
                color=alt.Color(f"{stack}:N", title=legend, sort=alt.EncodingSortField(order),
                                scale=alt.Scale(scheme="orangered")),
                order=alt.Order(f"{order}:O", sort="ascending"),
                tooltip=[day_tooltip(), alt.Tooltip(f"{stack}:N", title=legend),
                         alt.Tooltip(f"{value}:Q", title=unit, format=",")])
        .properties(width=WIDTH, height=HEIGHT)
    )  # fmt: skip
    return chart


def grouped_columns(rows: Rows, category: str, category_title: str, series: list[str],
                    unit: str, extra: list[alt.Tooltip] | None = None) -> alt.Chart:  # fmt: skip
    """Side-by-side columns of each ``series`` per ``category`` (in the rows' order)."""
    chart: alt.Chart = (
        alt.Chart(data(rows))
        .transform_fold(fold(series), as_=["series", "value"])
        .mark_bar()
        .encode(x=alt.X(f"{category}:N", title=category_title, sort=None,
                        axis=alt.Axis(labelAngle=0, labelLimit=LABEL_LIMIT)),
                xOffset=alt.XOffset("series:N", sort=series),
                y=alt.Y("value:Q", title=unit), color=series_color(series),
                tooltip=[alt.Tooltip(f"{category}:N", title=category_title),
                         alt.Tooltip("series:N", title="Series"),
                         alt.Tooltip("value:Q", title=unit, format=",.1f"), *(extra or [])])
        .properties(width=WIDTH, height=HEIGHT)
    )  # fmt: skip
    return chart


def ranked_bars(rows: Rows, category: str, category_title: str, series: list[str], unit: str,
                extra: list[alt.Tooltip] | None = None) -> alt.Chart:  # fmt: skip
    """Horizontal bars of each ``series`` per ``category``, in the rows' order (largest
    first, as the SQL sorts them)."""
    chart: alt.Chart = (
        alt.Chart(data(rows))
        .transform_fold(fold(series), as_=["series", "value"])
        .mark_bar()
        .encode(y=alt.Y(f"{category}:N", title=category_title, sort=None,
                        axis=alt.Axis(labelLimit=LABEL_LIMIT, **ABOVE_LABELS)),
                yOffset=alt.YOffset("series:N", sort=series),
                x=alt.X("value:Q", title=unit), color=series_color(series, legend_at="bottom"),
                tooltip=[alt.Tooltip(f"{category}:N", title=category_title),
                         alt.Tooltip("series:N", title="Series"),
                         alt.Tooltip("value:Q", title=unit, format=",.1f"), *(extra or [])])
        .properties(width=WIDTH - LABEL_LIMIT // 2,
                    height=max(MIN_HEIGHT, BAR * len(series) * len(rows)))
    )  # fmt: skip
    return chart


def histogram(rows: Rows, measure: str, counted: str) -> alt.LayerChart:
    """A pre-binned histogram (``bin_start``, ``bin_end``, ``values_in_bin``) with its kernel
    density curve drawn as the count it expects per bin (``kde_count`` at ``bin_mid``)."""
    names = [f"{counted} per bin", "Kernel density (expected per bin)"]
    base = alt.Chart(data(rows))
    bars = (
        base.transform_calculate(series=json.dumps(names[0]))
        .mark_bar(opacity=0.85)
        .encode(
            x=alt.X("bin_start:Q", bin="binned", title=measure),
            x2="bin_end:Q",
            y=alt.Y("values_in_bin:Q", title=counted),
            color=series_color(names),
            tooltip=_bin_tooltip(measure, counted),
        )
    )
    curve = (
        base.transform_calculate(series=json.dumps(names[1]))
        .mark_line(strokeWidth=2.5, interpolate="monotone")
        .encode(
            x=alt.X("bin_mid:Q", title=measure),
            y=alt.Y("kde_count:Q", title=counted),
            color=series_color(names),
        )
    )
    return alt.LayerChart(layer=[bars, curve]).properties(width=WIDTH, height=HEIGHT)


def _bin_tooltip(measure: str, counted: str) -> list[Any]:
    return [alt.Tooltip("bin_start:Q", title=f"{measure} from", format=",.1f"),
            alt.Tooltip("bin_end:Q", title="to", format=",.1f"),
            alt.Tooltip("values_in_bin:Q", title=counted, format=","),
            alt.Tooltip("kde_count:Q", title="density curve", format=",.1f")]  # fmt: skip
