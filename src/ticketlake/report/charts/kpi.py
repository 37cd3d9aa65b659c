"""Charts of the KPI tables (models/kpi/): volume, backlog, times, targets, workload, places.
Each reads its KPI through the catalog's own query for the source and the period."""

from __future__ import annotations

from collections.abc import Callable

import altair as alt

from ticketlake.report.charts import marks
from ticketlake.report.charts.base import Chart, Drawing, Rows
from ticketlake.report.scope import Scope

TOP = 10  # agents and groups shown
TOP_LOCATIONS = 15
PERCENTILES = ["Median", "90th percentile"]


def _volume(scope: Scope) -> str:
    # per day from daily_ops (a row for every day, 0 included); per week or month from
    # volume, the KPI daily_ops reads its counts from, at the catalog's own grain
    grain = scope.grain
    daily = grain == "day"
    k = scope.kpi("daily_ops") if daily else scope.kpi("volume", grain)
    return (f"WITH k AS ({k}) "
            f'SELECT {grain} AS day, created AS "Created", resolved AS "Resolved" FROM k '
            "WHERE (SELECT sum(created + resolved) FROM k) > 0 ORDER BY day")  # fmt: skip


def _backlog(scope: Scope) -> str:
    # a week's or a month's backlog is its last day's, as the KPI reads a level
    return (f"SELECT k.{scope.grain} AS day, k.age_bucket, b.bucket_order, k.open_tickets "
            f"FROM ({scope.kpi('backlog', scope.grain, 'age_bucket')}) AS k "
            "JOIN cfg_aging_buckets AS b ON b.bucket = k.age_bucket "
            "WHERE k.open_tickets > 0 ORDER BY day, b.bucket_order")  # fmt: skip


def _percentiles(kpi: str, counted: str) -> Callable[[Scope], str]:
    """SQL of the median and 90th percentile hours of ``kpi`` per priority."""

    def sql(scope: Scope) -> str:
        return (f'SELECT priority, {counted}, median_hours AS "Median", '
                f'p90_hours AS "90th percentile" FROM ({scope.kpi(kpi, "priority")}) '
                "ORDER BY priority")  # fmt: skip

    return sql


def _draw_percentiles(counted: str) -> Callable[[Rows, Scope], Drawing]:
    def draw(rows: Rows, scope: Scope) -> Drawing:
        extra = [alt.Tooltip(f"{counted}:Q", title=f"Tickets {counted}", format=",")]
        return marks.grouped_columns(rows, "priority", "Priority", PERCENTILES, "Hours", extra)

    return draw


def _attainment(scope: Scope) -> str:
    return (f'SELECT {scope.grain} AS day, response_attainment_pct AS "Response target met", '
            'resolution_attainment_pct AS "Resolution target met" '
            f"FROM ({scope.kpi('target_attainment', scope.grain)}) "
            "WHERE response_attainment_pct IS NOT NULL "
            "OR resolution_attainment_pct IS NOT NULL ORDER BY day")  # fmt: skip


def _agents(scope: Scope) -> str:
    return ('SELECT agent, assigned AS "Assigned", resolved AS "Resolved" '
            f"FROM ({scope.kpi('agent_load', 'agent')}) "
            "WHERE agent IS NOT NULL AND assigned + resolved > 0 "
            f"ORDER BY assigned DESC, resolved DESC, agent LIMIT {TOP}")  # fmt: skip


def _groups(scope: Scope) -> str:
    return ('SELECT "group", created AS "Created", resolved AS "Resolved" '
            f"FROM ({scope.kpi('volume', 'group')}) "
            'WHERE "group" IS NOT NULL AND created + resolved > 0 '
            f'ORDER BY created DESC, resolved DESC, "group" LIMIT {TOP}')  # fmt: skip


def _locations(scope: Scope) -> str:
    return ("SELECT concat_ws(', ', location, country) AS place, "
            'tickets AS "Tickets", share_pct, open_tickets, median_resolution_hours '
            f"FROM ({scope.kpi('location_demand', 'location', 'country')}) "
            f"WHERE location IS NOT NULL ORDER BY tickets DESC, place LIMIT {TOP_LOCATIONS}")  # fmt: skip


def _draw_volume(rows: Rows, scope: Scope) -> Drawing:
    return marks.lines_over_time(rows, scope, ["Created", "Resolved"], "Tickets")


def _draw_backlog(rows: Rows, scope: Scope) -> Drawing:
    return marks.stacked_over_time(rows, scope, "age_bucket", "bucket_order", "open_tickets",
                                   "Open tickets", "Age")  # fmt: skip


def _draw_attainment(rows: Rows, scope: Scope) -> Drawing:
    series = ["Response target met", "Resolution target met"]
    return marks.lines_over_time(rows, scope, series, "% of tickets", ",.1f", (0, 100))


def _draw_agents(rows: Rows, scope: Scope) -> Drawing:
    return marks.ranked_bars(rows, "agent", "Agent", ["Assigned", "Resolved"], "Tickets")


def _draw_groups(rows: Rows, scope: Scope) -> Drawing:
    return marks.ranked_bars(rows, "group", "Group", ["Created", "Resolved"], "Tickets")


def _draw_locations(rows: Rows, scope: Scope) -> Drawing:
    extra = [alt.Tooltip("share_pct:Q", title="% of the source's tickets", format=".1f"),
             alt.Tooltip("open_tickets:Q", title="Open now", format=","),
             alt.Tooltip("median_resolution_hours:Q", title="Median resolution (hours)",
                         format=",.1f")]  # fmt: skip
    return marks.ranked_bars(rows, "place", "Location", ["Tickets"], "Tickets created", extra)


CHARTS = (
    Chart("volume", "Tickets created and resolved",
          "kpi daily_ops (kpi_daily_ops) per day, kpi volume per week or month",
          "no ticket was created or resolved in the period", _volume, _draw_volume),
    Chart("backlog", "Backlog by age", "kpi backlog (kpi_backlog_daily)",
          "no ticket was open in the period (or the source has no status)", _backlog,
          _draw_backlog),
    Chart("response_time", "Time to first response by priority",
          "kpi response_time (fact_ticket)",
          "no ticket created in the period has a first response (the export may have none)",
          _percentiles("response_time", "responded"), _draw_percentiles("responded")),
    Chart("resolution_time", "Time to resolution by priority",
          "kpi resolution_time (fact_ticket)", "no ticket was resolved in the period",
          _percentiles("resolution_time", "resolved"), _draw_percentiles("resolved")),
    Chart("target_attainment", "Target attainment by creation date",
          "kpi target_attainment (kpi_target_attainment)",
          "no ticket created in the period could be judged against a target", _attainment,
          _draw_attainment),
    Chart("agents", f"Busiest agents (top {TOP})", "kpi agent_load (kpi_agent_load_daily)",
          "no ticket was assigned to or resolved by a named agent in the period", _agents,
          _draw_agents),
    Chart("groups", f"Busiest groups (top {TOP})", "kpi volume (kpi_volume_daily)",
          "no ticket with a group was created or resolved in the period", _groups,
          _draw_groups),
    Chart("locations", f"Location demand (top {TOP_LOCATIONS})",
          "kpi location_demand (fact_ticket)",
          "no ticket created in the period has a location", _locations, _draw_locations),
)  # fmt: skip
