"""A chart's Vega-Lite specification for one scope: what the report page, its PNG files and
the dashboard all draw. The presentation rules live here and in :mod:`marks`, not in the
page: the chart fills its container's width (``width="container"``, fit to it with its axes
and legend), or a fixed width for a PNG file; time axes have a point per day, week or month
from the period's length (:func:`ticketlake.report.scope.grain_of`), with the year shown;
long labels are wrapped and whole in the tooltip; long tails are drawn on a log scale.
"""

from __future__ import annotations

import copy
from typing import Any

import altair as alt

from ticketlake.report.charts.base import Chart, Rows
from ticketlake.report.data import jsonable
from ticketlake.report.scope import Scope

PNG_WIDTH = 760  # CSS pixels of a PNG file's chart, axes and legend included
POINTS = {"day": "", "week": "one point per week (from Monday)", "month": "one point per month"}
# The whole chart, axes and legend included, fits the width; the height is the chart's own.
FIT: dict[str, Any] = {"type": "fit-x", "contains": "padding", "resize": True}


def spec(chart: Chart, rows: Rows, scope: Scope, width: int | None = None) -> dict[str, Any]:
    """The Vega-Lite specification of ``chart`` drawing ``rows`` (what ``chart.sql(scope)``
    returned: database values are turned into JSON here) for ``scope``: data inline, titled,
    no ``$schema`` (a URL) and nothing else that points outside the page. It fills its
    container's width, or is ``width`` pixels wide."""
    scope = chart.scoped(scope)
    subtitle = [when(chart, scope), f"Reads {chart.reads}"]
    drawing = chart.draw(jsonable(rows), scope).properties(
        title=alt.Title(chart.title, subtitle=subtitle),
        description=f"{chart.title}. {'. '.join(subtitle)}.",  # read out by screen readers
    )
    found: dict[str, Any] = (
        drawing.configure(background="white", padding=12)
        .configure_title(anchor="start", fontSize=16, subtitleFontSize=11,
                         subtitleColor="#555555", offset=10)
        .configure_axis(labelFontSize=11, titleFontSize=12, titlePadding=8)
        .configure_legend(orient="top", labelFontSize=11, titleFontSize=11, labelLimit=320)
        .configure_view(stroke=None)
        .to_dict()
    )  # fmt: skip
    found.pop("$schema", None)
    found["width"] = "container"
    found["autosize"] = dict(FIT)
    return found if width is None else fixed_width(found, width)


def fixed_width(found: dict[str, Any], width: int = PNG_WIDTH) -> dict[str, Any]:
    """The specification ``found`` at a fixed width (in CSS pixels, axes included), as a PNG
    file draws it: the same chart, only not sized by a container."""
    fixed = copy.deepcopy(found)
    fixed["width"] = width
    return fixed


def when(chart: Chart, scope: Scope) -> str:
    """The subtitle's first line: the source, the days the chart shows and their zone."""
    period = chart.span if chart.whole_history else scope.period.label()
    points = "" if chart.whole_history else POINTS[scope.grain]
    return " · ".join(p for p in (f"Source {scope.source}", period, points,
                                  f"days in {scope.timezone}") if p)  # fmt: skip
