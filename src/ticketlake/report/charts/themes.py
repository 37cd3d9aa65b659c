"""The themes of ticket text (the text stage's tables, docs/text.md): tickets per theme and
week, the outcome of each theme and the themes that rose. Only builds with
``text.enabled: true`` have these tables; without them the report has no themes at all."""

from __future__ import annotations

import altair as alt

from ticketlake.common.sqltext import lit
from ticketlake.report.charts import marks
from ticketlake.report.charts.base import Chart, Column, Drawing, Rows, Table
from ticketlake.report.scope import Scope

NEEDS = "theme_outcome"  # the relation that says a build has themes
OFF = "this build has no themes (set text.enabled: true and build again; docs/text.md)"
TOP = 8  # themes drawn, the most tickets in the period first
WEEK_OVERLAP = 6  # days before the period's start that a week overlapping it may start on


def _volume(scope: Scope) -> str:
    scope.unfiltered()
    source, first = (
        lit(scope.source),
        f"date_trunc('week', {lit(scope.period.start.isoformat())}::DATE)",
    )
    return (f"WITH d AS (SELECT CAST(date_trunc('week', day) AS DATE) AS week, scope, theme, "
            f"label, tickets FROM theme_daily WHERE source = {source} AND theme IS NOT NULL "
            f"AND {scope.within('day')}), "
            "top AS (SELECT scope, theme, label, sum(tickets) AS total FROM d GROUP BY ALL "
            f"ORDER BY total DESC, theme LIMIT {TOP}), "
            "named AS (SELECT *, CASE WHEN count(*) OVER (PARTITION BY label) > 1 "
            "THEN label || ' (theme ' || theme || ')' ELSE label END AS name FROM top), "
            f"weeks AS (SELECT CAST(w AS DATE) AS week FROM generate_series({first}, "
            f"{lit(scope.period.end.isoformat())}::TIMESTAMP, INTERVAL 7 DAY) AS g(w)) "
            "SELECT w.week AS day, t.name AS theme, CAST(t.total AS BIGINT) AS total, "
            "CAST(coalesce(sum(d.tickets), 0) AS BIGINT) AS tickets "
            "FROM weeks AS w CROSS JOIN named AS t LEFT JOIN d ON d.week = w.week "
            "AND d.scope = t.scope AND d.theme = t.theme "
            "GROUP BY ALL ORDER BY day, total DESC, theme")  # fmt: skip


def _draw_volume(rows: Rows, scope: Scope) -> Drawing:
    chart: alt.Chart = (
        alt.Chart(marks.data(rows))
        .mark_line(point=True, strokeWidth=2)
        .encode(x=marks.time_x(scope), y=alt.Y("tickets:Q", title="Tickets created"),
                color=alt.Color("theme:N", title=None, sort=alt.EncodingSortField(
                                "total", order="descending"),
                                scale=alt.Scale(scheme="tableau10"),
                                legend=alt.Legend(orient="top", columns=2)),
                tooltip=[marks.time_tooltip(scope.grain), alt.Tooltip("theme:N", title="Theme"),
                         alt.Tooltip("tickets:Q", title="Tickets created", format=","),
                         alt.Tooltip("total:Q", title="In the period", format=",")])
        .properties(height=marks.HEIGHT)
    )  # fmt: skip
    return chart


def _outcome(scope: Scope) -> str:
    scope.unfiltered()
    columns = ", ".join(c.name for c in OUTCOME)
    return (f"SELECT {columns} FROM theme_outcome WHERE source = {lit(scope.source)} "
            "ORDER BY tickets DESC, theme")  # fmt: skip


def _rising(scope: Scope) -> str:
    scope.unfiltered()
    columns = ", ".join(c.name for c in RISING)
    return (f"SELECT {columns} FROM theme_rising WHERE rising AND source = {lit(scope.source)} "
            f"AND {scope.within('week_start', WEEK_OVERLAP)} "
            "ORDER BY week_start DESC, z DESC, theme")  # fmt: skip


OUTCOME = (
    Column("label", "Theme", "text"),
    Column("keyphrases", "Key phrases", "list"),
    Column("tickets", "Tickets", "tickets"),
    Column("share_pct", "Share", "%"),
    Column("median_resolution_hours", "Median resolution", "hours"),
    Column("median_first_response_hours", "Median first response", "hours"),
    Column("breach_rate_pct", "Resolution SLA breached", "%"),
    Column("reopen_rate_pct", "Reopened", "%"),
    Column("ping_pong_pct", "Ping-pong", "%"),
    Column("mean_sentiment", "Mean sentiment (-1 to 1)", "score"),
)
RISING = (
    Column("week_start", "Week from", "day"),
    Column("label", "Theme", "text"),
    Column("tickets", "Tickets", "tickets"),
    Column("previous_tickets", "Week before", "tickets"),
    Column("z", "z", "score"),
    Column("first_rising_week", "First rose", "day"),
)

CHARTS = (
    Chart("theme_volume", f"Tickets per week of the top {TOP} themes", "theme_daily",
          "no ticket with a theme was created in the period", _volume, _draw_volume,
          needs=NEEDS, points="week"),
)  # fmt: skip
TABLES = (
    Table("theme_outcome", "Themes and their outcomes", "theme_outcome",
          "no ticket of the source has text", _outcome, OUTCOME, needs=NEEDS,
          whole_history=True),
    Table("theme_rising", "Rising themes", "theme_rising: the source's tickets per theme and week",
          "no theme rose in the weeks of the period", _rising, RISING, needs=NEEDS),
)  # fmt: skip
