"""Charts of the SLA KPIs (docs/metrics.md#sla_attainment, #sla_at_risk): attainment per
policy in the period, and the at-risk queue as of the source's latest event."""

from __future__ import annotations

import altair as alt

from ticketlake import kpis
from ticketlake.common.sqltext import lit
from ticketlake.report.charts import marks
from ticketlake.report.charts.base import Chart, Drawing, Rows
from ticketlake.report.scope import Scope

METRICS = {"response": "Response", "resolution": "Resolution"}  # metric -> series label
RISKS = ["50-75", "75-90", "90-100", "breached"]  # the queue's buckets, in order


def _by_metric(value: str, metric: str = "metric", empty: str = "NULL") -> str:
    """One column per metric (its series label) holding ``value`` of that metric's rows
    (``empty`` where it has none)."""
    return ", ".join(
        f'coalesce(max(CASE WHEN {metric} = {lit(m)} THEN {value} END), {empty}) AS "{label}"'
        for m, label in METRICS.items()
    )


def _attainment(scope: Scope) -> str:
    return (f"SELECT policy, {_by_metric('attainment_pct')}, "
            "CAST(sum(achieved + breached) AS BIGINT) AS judged "
            f"FROM ({scope.kpi('sla_attainment', 'policy', 'metric')}) "
            "GROUP BY policy HAVING count(attainment_pct) > 0 ORDER BY policy")  # fmt: skip


def _at_risk(scope: Scope) -> str:
    # the queue is as of now, whatever the period: its due days are not the period's days;
    # every bucket is on the axis, an empty one at 0
    queue = kpis.query(kpis.get("sla_at_risk"), ("risk", "metric"), None, None,
                       scope.equal("sla_at_risk"))  # fmt: skip
    buckets = ", ".join(f"({lit(r)})" for r in RISKS)
    counts = _by_metric("q.clocks", "q.metric", "0")
    return (f"WITH q AS ({queue}) SELECT b.risk, {counts} "
            f"FROM (VALUES {buckets}) AS b(risk) LEFT JOIN q ON q.risk = b.risk "
            "WHERE EXISTS (SELECT 1 FROM q) GROUP BY b.risk ORDER BY b.risk")  # fmt: skip


def _draw_attainment(rows: Rows, scope: Scope) -> Drawing:
    extra = [alt.Tooltip("judged:Q", title="Clocks judged", format=",")]
    return marks.grouped_columns(rows, "policy", "Policy", list(METRICS.values()),
                                 "% of clocks within target", extra)  # fmt: skip


def _draw_at_risk(rows: Rows, scope: Scope) -> Drawing:
    return marks.grouped_columns(rows, "risk", "% of the target used", list(METRICS.values()),
                                 "Running clocks of open tickets")  # fmt: skip


CHARTS = (
    Chart("sla_attainment", "SLA attainment per policy", "kpi sla_attainment (kpi_sla_attainment)",
          "no SLA clock stopped or breached in the period", _attainment, _draw_attainment),
    Chart("sla_at_risk", "SLA at-risk queue", "kpi sla_at_risk (kpi_sla_at_risk)",
          "no running SLA clock has used half of its target", _at_risk, _draw_at_risk,
          whole_history=True, span="as of the latest event"),
)  # fmt: skip
