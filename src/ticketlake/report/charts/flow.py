"""Charts of the process-flow tables (models/flow/): time in status, handoffs and ping-pong,
variants. Only event logs and ServiceNow audit logs have a history of statuses and groups."""

from __future__ import annotations

import altair as alt

from ticketlake.engine.dialect import local_day
from ticketlake.report.charts import marks
from ticketlake.report.charts.base import Chart, Drawing, Rows
from ticketlake.report.scope import Scope

TOP = 10  # variants shown
MOST_HANDOFFS = 5  # group changes of 5 and more share one column
PATTERNS = ["No ping-pong", "Ping-pong (A > B > A)"]


def _time_in_status(scope: Scope) -> str:
    return ('SELECT status, stays, median_hours AS "Median", p90_hours AS "90th percentile" '
            f"FROM ({scope.kpi('time_in_status', 'status')}) WHERE stays > 0 "
            "ORDER BY median_hours DESC, status")  # fmt: skip


def _handoffs(scope: Scope) -> str:
    top = MOST_HANDOFFS
    return (f"SELECT least(group_changes, {top}) AS handoff_order, "
            f"CASE WHEN group_changes >= {top} THEN '{top}+' "
            "ELSE CAST(group_changes AS VARCHAR) END AS handoffs, "
            f"CASE WHEN ping_pong THEN '{PATTERNS[1]}' ELSE '{PATTERNS[0]}' END AS pattern, "
            "count(*) AS tickets FROM flow_ticket "
            f"WHERE {scope.where(local_day('first_event_at', 'timezone'), 'flow')} AND group_path IS NOT NULL "
            "GROUP BY ALL ORDER BY handoff_order, pattern")  # fmt: skip


def _variants(scope: Scope) -> str:
    return ('SELECT variant, tickets AS "Tickets", share_pct, median_throughput_hours '
            f"FROM ({scope.kpi('variants', 'variant')}) "
            f"ORDER BY tickets DESC, variant LIMIT {TOP}")  # fmt: skip


def _draw_time_in_status(rows: Rows, scope: Scope) -> Drawing:
    extra = [alt.Tooltip("stays:Q", title="Completed stays", format=",")]
    return marks.ranked_bars(rows, "status", "Status", ["Median", "90th percentile"], "Hours",
                             extra)  # fmt: skip


def _draw_handoffs(rows: Rows, scope: Scope) -> Drawing:
    chart: alt.Chart = (
        alt.Chart(marks.data(rows))
        .mark_bar()
        .encode(x=alt.X("handoffs:N", title="Changes of group per ticket",
                        sort=alt.EncodingSortField("handoff_order"),
                        axis=alt.Axis(labelAngle=0)),
                y=alt.Y("tickets:Q", title="Tickets", stack="zero"),
                color=alt.Color("pattern:N", title=None, sort=PATTERNS,
                                scale=alt.Scale(domain=PATTERNS, range=marks.COLORS[:2])),
                tooltip=[alt.Tooltip("handoffs:N", title="Changes of group"),
                         alt.Tooltip("pattern:N", title="Pattern"),
                         alt.Tooltip("tickets:Q", title="Tickets", format=",")])
        .properties(height=marks.HEIGHT)
    )  # fmt: skip
    return chart


def _draw_variants(rows: Rows, scope: Scope) -> Drawing:
    extra = [alt.Tooltip("share_pct:Q", title="% of tickets with a variant", format=".1f"),
             alt.Tooltip("median_throughput_hours:Q", title="Median throughput (hours)",
                         format=",.1f")]  # fmt: skip
    return marks.ranked_bars(rows, "variant", "Variant (statuses in order)", ["Tickets"],
                             "Tickets", extra)  # fmt: skip


CHARTS = (
    Chart("time_in_status", "Time in status", "kpi time_in_status (flow_status_interval)",
          "no completed status stay began in the period (only event and audit logs have "
          "statuses over time)", _time_in_status, _draw_time_in_status),
    Chart("handoffs", "Handoffs and ping-pong", "flow_ticket",
          "no ticket with a group history began in the period (only event and audit logs "
          "have one)", _handoffs, _draw_handoffs),
    Chart("variants", f"Top {TOP} variants", "kpi variants (flow_ticket)",
          "no ticket with a status history began in the period (only event and audit logs "
          "have one)", _variants, _draw_variants),
)  # fmt: skip
