"""The chart shapes the catalogue uses, built with Altair (Vega-Lite); shared so that every
chart of one kind looks the same. Column names in the rows are their display labels where
they become a legend entry.

The shapes set no width: the specification does (:mod:`ticketlake.report.charts.present`),
the container's on a page, a fixed one for a PNG file. Time axes follow the scope's grain
(days, weeks or months) and name the year; long category labels are wrapped onto lines, and
every mark's tooltip has the label in full.
"""

from __future__ import annotations

import json
import textwrap
from datetime import date, timedelta
from typing import Any, Literal

import altair as alt

from ticketlake.report.charts.base import Rows
from ticketlake.report.scope import Grain, Scope

HEIGHT = 260
BAR = 16  # thickness of one bar in a horizontal bar chart, in pixels
LINE = 13  # height of one line of an axis label, in pixels
MIN_HEIGHT = 160
LABEL_LIMIT = 260  # longest line of a category label on an axis, in pixels
WRAP = 36  # characters per line of a wrapped category label (about LABEL_LIMIT at 11 px)
MAX_TICKS = 12  # month ticks on a weekly or monthly axis, at most
MONTH_STEPS = (1, 2, 3, 6, 12)  # months between ticks: divisors of 12, so January is a tick
TIME_TITLES = {"day": "Day (local)", "week": "Week (local, from Monday)", "month": "Month (local)"}
TIME_TOOLTIPS = {"day": ("Day", "%Y-%m-%d"), "week": ("Week from", "%Y-%m-%d"),
                 "month": ("Month", "%b %Y")}  # fmt: skip
# The year under the first label and under the first label of each year: under January's
# ticks on a month axis, under those of 1 to 7 January on a day axis.
SPLIT_LINES = "split(datum.label, '\\n')"  # a wrapped label, one line per line
_YEAR_UNDER = (
    "datum.index == 0 || utcmonth(datum.value) == 0{day} ? utcFormat(datum.value, '%Y') : ''"
)
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


def time_x(scope: Scope, bars: bool = False) -> alt.X:
    """The period on the x axis, a point per day, week or month (``day`` holds the first day
    of each): the warehouse's local days (each chart's subtitle names the zone), read as UTC
    dates so that the browser's own zone cannot shift them, with the year on the axis. The
    axis spans the whole period, days without data included (to the end of the last bar)."""
    grain = scope.grain
    if grain == "day":
        lines = f"[utcFormat(datum.value, '%d %b'), {_YEAR_UNDER.format(day=' && utcdate(datum.value) <= 7')}]"
        axis = alt.Axis(labelExpr=lines, labelAngle=0)
    else:
        lines = f"[utcFormat(datum.value, '%b'), {_YEAR_UNDER.format(day='')}]"
        step = month_step(scope)
        axis = alt.Axis(labelExpr=lines, labelAngle=0,
                        tickCount=alt.TimeIntervalStep(interval="month", step=step))  # fmt: skip
    first, last = (_first(day, grain) for day in (scope.period.start, scope.period.end))
    domain = [_utc(first), _utc(_next(last, grain) if bars else last)]
    return alt.X("day:T", timeUnit="utcyearmonthdate", title=TIME_TITLES[grain], axis=axis,
                 scale=alt.Scale(domain=domain))  # fmt: skip


def _first(day: date, grain: Grain) -> date:
    """The first day of the day, week (Monday) or month ``day`` is in."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1) if grain == "month" else day


def _utc(day: date) -> alt.DateTime:
    return alt.DateTime(year=day.year, month=day.month, date=day.day, utc=True)


def month_step(scope: Scope) -> int:
    """Months between the ticks of a weekly or monthly axis: at most ``MAX_TICKS`` ticks."""
    months = scope.period.days / 30.44
    return next((s for s in MONTH_STEPS if months / s <= MAX_TICKS), MONTH_STEPS[-1])


def time_tooltip(grain: Grain) -> alt.Tooltip:
    """The day, week or month of a point, in tooltips."""
    title, fmt = TIME_TOOLTIPS[grain]
    return alt.Tooltip("day:T", timeUnit="utcyearmonthdate", title=title, format=fmt)


def until(rows: Rows, grain: Grain) -> Rows:
    """The rows with ``until``, the first day after each point's day, week or month (where
    its bar ends)."""
    return [{**row, "until": _next(date.fromisoformat(row["day"]), grain).isoformat()}
            for row in rows]  # fmt: skip


def _next(day: date, grain: Grain) -> date:
    if grain == "day":
        return day + timedelta(days=1)
    if grain == "week":
        return day + timedelta(days=7)
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def wrap(label: str | None) -> str | None:
    """A category label on lines of at most ``WRAP`` characters, joined by newlines (the
    axis draws one per line): a variant (``New > Assigned > Resolved``) breaks after a
    ``>``, other labels at spaces; a longer word stays whole."""
    if label is None or len(label) <= WRAP:
        return label
    if " > " not in label:
        return "\n".join(textwrap.wrap(label, WRAP, break_long_words=False,
                                       break_on_hyphens=False))  # fmt: skip
    lines = [""]
    for step in label.split(" > "):
        joined = f"{lines[-1]} > {step}" if lines[-1] else step
        if lines[-1] and len(joined) > WRAP:
            lines[-1] += " >"
            lines.append(step)
        else:
            lines[-1] = joined
    return "\n".join(lines)


def wrapped(rows: Rows, category: str) -> tuple[Rows, int]:
    """The rows with ``<category>_lines``, the wrapped label, and the most lines one has."""
    out = [{**row, f"{category}_lines": wrap(row[category])} for row in rows]
    most = max((str(r[f"{category}_lines"]).count("\n") + 1 for r in out), default=1)
    return out, most


def lines_over_time(rows: Rows, scope: Scope, series: list[str], unit: str, fmt: str = ",.0f",
                    domain: tuple[float, float] | None = None) -> alt.Chart:  # fmt: skip
    """One line per column of ``series`` over the period, a point per day, week or month."""
    scale = alt.Scale(domain=list(domain)) if domain else alt.Scale(zero=True)
    chart: alt.Chart = (
        alt.Chart(data(rows))
        .transform_fold(fold(series), as_=["series", "value"])
        .mark_line(point=True, strokeWidth=2)
        .encode(x=time_x(scope), y=alt.Y("value:Q", title=unit, scale=scale),
                color=series_color(series),
                tooltip=[time_tooltip(scope.grain), alt.Tooltip("series:N", title="Series"),
                         alt.Tooltip("value:Q", title=unit, format=fmt)])
        .properties(height=HEIGHT)
        .interactive(bind_y=False)
    )  # fmt: skip
    return chart


def stacked_over_time(rows: Rows, scope: Scope, stack: str, order: str, value: str, unit: str,
                      legend: str) -> alt.Chart:  # fmt: skip
    """Bars per day, week or month, each as wide as its days, stacked by ``stack`` in the
    order of ``order``."""
    chart: alt.Chart = (
        alt.Chart(data(until(rows, scope.grain)))
        .mark_bar(orient="vertical", stroke="white", strokeWidth=0.5)
        .encode(x=time_x(scope, bars=True), x2=alt.X2("until:T", timeUnit="utcyearmonthdate"),
                y=alt.Y(f"{value}:Q", title=unit, stack="zero"),
                color=alt.Color(f"{stack}:N", title=legend, sort=alt.EncodingSortField(order),
                                scale=alt.Scale(scheme="orangered")),
                order=alt.Order(f"{order}:O", sort="ascending"),
                tooltip=[time_tooltip(scope.grain), alt.Tooltip(f"{stack}:N", title=legend),
                         alt.Tooltip(f"{value}:Q", title=unit, format=",")])
        .properties(height=HEIGHT)
    )  # fmt: skip
    return chart


def grouped_columns(rows: Rows, category: str, category_title: str, series: list[str],
                    unit: str, extra: list[alt.Tooltip] | None = None) -> alt.Chart:  # fmt: skip
    """Side-by-side columns of each ``series`` per ``category`` (in the rows' order); long
    labels wrapped, in full in the tooltip."""
    rows, _most = wrapped(rows, category)
    chart: alt.Chart = (
        alt.Chart(data(rows))
        .transform_fold(fold(series), as_=["series", "value"])
        .mark_bar()
        .encode(x=alt.X(f"{category}_lines:N", title=category_title, sort=None,
                        axis=alt.Axis(labelAngle=0, labelLimit=LABEL_LIMIT,
                                      labelExpr=SPLIT_LINES)),
                xOffset=alt.XOffset("series:N", sort=series),
                y=alt.Y("value:Q", title=unit), color=series_color(series),
                tooltip=[alt.Tooltip(f"{category}:N", title=category_title),
                         alt.Tooltip("series:N", title="Series"),
                         alt.Tooltip("value:Q", title=unit, format=",.1f"), *(extra or [])])
        .properties(height=HEIGHT)
    )  # fmt: skip
    return chart


def ranked_bars(rows: Rows, category: str, category_title: str, series: list[str], unit: str,
                extra: list[alt.Tooltip] | None = None) -> alt.Chart:  # fmt: skip
    """Horizontal bars of each ``series`` per ``category``, in the rows' order (largest
    first, as the SQL sorts them); long labels wrapped, in full in the tooltip."""
    rows, most = wrapped(rows, category)
    per_category = max(BAR * len(series), LINE * most + 6)
    chart: alt.Chart = (
        alt.Chart(data(rows))
        .transform_fold(fold(series), as_=["series", "value"])
        .mark_bar()
        .encode(y=alt.Y(f"{category}_lines:N", title=category_title, sort=None,
                        axis=alt.Axis(labelLimit=LABEL_LIMIT, labelExpr=SPLIT_LINES,
                                      **ABOVE_LABELS)),
                yOffset=alt.YOffset("series:N", sort=series),
                x=alt.X("value:Q", title=unit), color=series_color(series, legend_at="bottom"),
                tooltip=[alt.Tooltip(f"{category}:N", title=category_title),
                         alt.Tooltip("series:N", title="Series"),
                         alt.Tooltip("value:Q", title=unit, format=",.1f"), *(extra or [])])
        .properties(height=max(MIN_HEIGHT, per_category * len(rows)))
    )  # fmt: skip
    return chart


def histogram(rows: Rows, measure: str, counted: str) -> alt.LayerChart | alt.Chart:
    """A pre-binned histogram (``bin_start``, ``bin_end``, ``values_in_bin``). On a linear
    scale with its kernel density curve drawn as the count it expects per bin (``kde_count``
    at ``bin_mid``); on a log scale (``scale`` ``log``, a long tail) without, the values of 0
    or less, which a log axis cannot place, counted in the axis title (``not_drawn``)."""
    log = rows[0].get("scale") == "log"
    names = [f"{counted} per bin", "Kernel density (expected per bin)"]
    title = measure
    if log:
        hidden = int(rows[0].get("not_drawn") or 0)
        zeros = (
            f"; {hidden:,} value{'s' if hidden != 1 else ''} of 0 or less not drawn"
            if hidden
            else ""
        )
        title = f"{measure}, log scale{zeros}"
    scale = alt.Scale(type="log") if log else alt.Scale()
    base = alt.Chart(data(rows))
    bars = (
        base.transform_calculate(series=json.dumps(names[0]))
        .mark_bar(opacity=0.85)
        .encode(
            x=alt.X("bin_start:Q", bin="binned", title=title, scale=scale),
            x2="bin_end:Q",
            y=alt.Y("values_in_bin:Q", title=counted),
            color=series_color(names[:1] if log else names),
            tooltip=_bin_tooltip(measure, counted, log),
        )
    )
    if log:
        alone: alt.Chart = bars.properties(height=HEIGHT)
        return alone
    curve = (
        base.transform_calculate(series=json.dumps(names[1]))
        .mark_line(strokeWidth=2.5, interpolate="monotone")
        .encode(
            x=alt.X("bin_mid:Q", title=measure),
            y=alt.Y("kde_count:Q", title=counted),
            color=series_color(names),
        )
    )
    return alt.LayerChart(layer=[bars, curve]).properties(height=HEIGHT)


def _bin_tooltip(measure: str, counted: str, log: bool) -> list[Any]:
    tips = [alt.Tooltip("bin_start:Q", title=f"{measure} from", format=",.4~g" if log else ",.1f"),
            alt.Tooltip("bin_end:Q", title="to", format=",.4~g" if log else ",.1f"),
            alt.Tooltip("values_in_bin:Q", title=counted, format=",")]  # fmt: skip
    if not log:
        tips.append(alt.Tooltip("kde_count:Q", title="density curve", format=",.1f"))
    return tips
