"""The KPI catalog as data: each KPI's table, definition, unit, grain and aggregation."""

from __future__ import annotations

from dataclasses import dataclass, field

from ticketlake.engine.dialect import local_day

PERIODS = {
    "day": "{date}",
    "week": "CAST(date_trunc('week', {date}) AS DATE)",
    "month": "CAST(date_trunc('month', {date}) AS DATE)",
}
_TICKET_DIMS = {"source": "source", "priority": "priority", "group": "group_name",
                "agent": "assignee", "category": "category", "channel": "channel",
                "location": "location", "country": "country"}  # fmt: skip
# The label slice (docs/metrics.md#labels): KPIs whose base has one row per ticket can be
# sliced by the ticket's current labels, each ticket counted once per label it has.
LABEL = "label"
NO_LABEL = "(none)"  # the slice of the tickets without labels
LABELS_TABLE = "bridge_ticket_label"
TICKET_BASES = frozenset({"fact_ticket", "lifecycle_ticket", "flow_ticket"})
_SLA_DIMS = {"source": "source", "policy": "policy", "metric": "metric",
             "priority": "priority", "group": "group_name"}  # fmt: skip
_HOURS = {
    "mean_hours": "avg({x})",
    "median_hours": "median({x})",
    "p90_hours": "quantile_cont({x}, 0.9)",
}


@dataclass(frozen=True)
class Kpi:
    """One KPI: its table, definition, unit, and how the CLI aggregates it."""

    name: str
    table: str
    summary: str
    unit: str
    grain: tuple[str, ...]
    base: str
    date: str | None
    dims: dict[str, str]
    measures: dict[str, str]
    default_by: tuple[str, ...]
    where: str = ""
    having: str = ""
    # Measures that are levels (a backlog), not flows: taken on the last day of each period.
    stock: frozenset[str] = frozenset()
    # Dimensions a share is taken within (share_pct sums to 100 over them).
    share_over: frozenset[str] = frozenset()
    # Fixed-grain KPIs print their table; only --from/--to apply.
    fixed: bool = False
    extra_tables: tuple[str, ...] = field(default=())

    @property
    def by_label(self) -> bool:
        """Whether the KPI can be sliced by label: its base has one row per ticket."""
        return self.base in TICKET_BASES and not self.fixed

    def by_names(self) -> list[str]:
        """Every name ``--by`` accepts for this KPI."""
        periods = list(PERIODS) if self.date else []
        return [*periods, *self.dims, *([LABEL] if self.by_label else [])]


def _hours(column: str, count_name: str) -> dict[str, str]:
    return {count_name: f"count({column})", **{k: v.format(x=column) for k, v in _HOURS.items()}}


def _pct(num: str, den: str) -> str:
    return f"100.0 * ({num}) / nullif({den}, 0)"


CATALOG: dict[str, Kpi] = {k.name: k for k in [
    Kpi(
        name="volume", table="kpi_volume_daily", unit="tickets",
        summary="Tickets created, resolved (final resolution) and closed per period.",
        grain=("day", "source", "priority", "category", "group", "channel", "location"),
        base="kpi_volume_daily", date="day",
        dims={"source": "source", "priority": "priority", "category": "category",
              "group": "group_name", "channel": "channel", "location": "location"},
        measures={"created": "CAST(sum(created) AS BIGINT)", "resolved": "CAST(sum(resolved) AS BIGINT)", "closed": "CAST(sum(closed) AS BIGINT)"},
        default_by=("day",), extra_tables=("kpi_volume_weekly",),
    ),
    Kpi(
        name="backlog", table="kpi_backlog_daily", unit="tickets",
        summary="Tickets open at the day's cut-off, with their age; a period shows its last day.",
        grain=("day", "source", "priority", "group", "age_bucket"),
        base="kpi_backlog_daily", date="day",
        dims={"source": "source", "priority": "priority", "group": "group_name",
              "age_bucket": "age_bucket"},
        measures={"open_tickets": "coalesce(CAST(sum({at_end}open_tickets END) AS BIGINT), 0)",
                  "mean_age_days": "sum({at_end}age_days_total END) / "
                                   "nullif(sum({at_end}open_tickets END), 0)"},
        stock=frozenset({"open_tickets", "mean_age_days"}), default_by=("day",),
    ),
    Kpi(
        name="response_time", table="kpi_response_time", unit="hours",
        summary="Hours from creation to first response: mean, median, 90th percentile.",
        grain=("week", "source", "priority"),
        base="fact_ticket", date="created_date", dims=_TICKET_DIMS,
        measures=_hours("first_response_hours", "responded"),
        where="first_response_hours IS NOT NULL", default_by=("week",),
    ),
    Kpi(
        name="resolution_time", table="kpi_resolution_time", unit="hours",
        summary="Hours from creation to final resolution: mean, median, 90th percentile.",
        grain=("week", "source", "priority"),
        base="fact_ticket", date="resolved_date", dims=_TICKET_DIMS,
        measures=_hours("resolution_hours", "resolved"),
        where="resolution_hours IS NOT NULL", default_by=("week",),
    ),
    Kpi(
        name="target_attainment", table="kpi_target_attainment", unit="% of tickets",
        summary="Share of tickets created in a period that met their targets; overdue open ones breach.",
        grain=("day", "source", "priority"),
        base="kpi_target_attainment", date="day",
        dims={"source": "source", "priority": "priority"},
        measures={
            "tickets": "CAST(sum(tickets) AS BIGINT)", "with_target": "CAST(sum(with_target) AS BIGINT)",
            "response_within": "CAST(sum(response_within) AS BIGINT)",
            "response_breached": "CAST(sum(response_breached) AS BIGINT)",
            "resolution_within": "CAST(sum(resolution_within) AS BIGINT)",
            "resolution_late": "CAST(sum(resolution_late) AS BIGINT)", "overdue_open": "CAST(sum(overdue_open) AS BIGINT)",
            "pending": "CAST(sum(pending) AS BIGINT)",
            "response_attainment_pct": _pct(
                "CAST(sum(response_within) AS BIGINT)", "sum(response_within) + sum(response_breached)"),
            "resolution_attainment_pct": _pct(
                "CAST(sum(resolution_within) AS BIGINT)",
                "sum(resolution_within) + sum(resolution_late) + sum(overdue_open)"),
            "breach_pct": _pct(
                "sum(resolution_late) + sum(overdue_open)",
                "sum(resolution_within) + sum(resolution_late) + sum(overdue_open)"),
        },
        default_by=("priority",),
    ),
    Kpi(
        name="agent_load", table="kpi_agent_load_daily", unit="tickets",
        summary="Per technician: tickets assigned, resolved, held open; averages per active day.",
        grain=("day", "source", "agent"),
        base="kpi_agent_load_daily", date="day", dims={"source": "source", "agent": "agent"},
        measures={
            "assigned": "CAST(sum(assigned) AS BIGINT)", "resolved": "CAST(sum(resolved) AS BIGINT)",
            "open_at_end": "coalesce(CAST(sum({at_end}open_at_end END) AS BIGINT), 0)",
            "active_days": "count(DISTINCT CASE WHEN active THEN day END)",
            "assigned_per_active_day": "sum(assigned) / "
                                       "nullif(count(DISTINCT CASE WHEN active THEN day END), 0)",
            "resolved_per_active_day": "sum(resolved) / "
                                       "nullif(count(DISTINCT CASE WHEN active THEN day END), 0)",
        },
        stock=frozenset({"open_at_end"}), default_by=("agent",),
        extra_tables=("kpi_agent_summary",),
    ),
    Kpi(
        name="location_demand", table="kpi_location_demand", unit="tickets",
        summary="Tickets per location, their share, how many are open, median resolution hours.",
        grain=("source", "location", "country"),
        base="fact_ticket", date="created_date", dims=_TICKET_DIMS,
        measures={
            "tickets": "count(*)",
            "share_pct": "100.0 * count(*) / sum(count(*)) OVER ({share})",
            "open_tickets": "count(CASE WHEN is_open THEN 1 END)",
            "median_resolution_hours": "median(resolution_hours)",
        },
        share_over=frozenset({"location", "country"}), default_by=("source", "location", "country"),
    ),
    Kpi(
        name="conversion", table="kpi_conversion", unit="% of interactions",
        summary="Interactions per technician that led to an incident (minimum volume applies).",
        grain=("source", "agent"),
        base="fact_ticket", date="created_date", dims=_TICKET_DIMS,
        measures={
            "interactions": "count(*)",
            "converted": "count(CASE WHEN linked_incidents > 0 THEN 1 END)",
            "conversion_pct": "100.0 * count(CASE WHEN linked_incidents > 0 THEN 1 END) "
                              "/ count(*)",
        },
        where="ticket_type = 'interaction'",
        having="count(*) >= (SELECT max(conversion_min_interactions) FROM cfg_params)",
        default_by=("source", "agent"),
    ),
    Kpi(
        name="reopen_rate", table="kpi_reopen_rate", unit="% of resolved tickets",
        summary="Share of tickets resolved at least once that were reopened.",
        grain=("week", "source", "priority"),
        base="fact_ticket", date="first_resolved_date", dims=_TICKET_DIMS,
        measures={
            "resolved_tickets": "count(*)",
            "reopened_tickets": "count(CASE WHEN reopen_count > 0 THEN 1 END)",
            "reopen_rate_pct": "100.0 * count(CASE WHEN reopen_count > 0 THEN 1 END) "
                               "/ count(*)",
            "reopens": "CAST(sum(reopen_count) AS BIGINT)",
        },
        where="first_resolved_at IS NOT NULL", default_by=("week",),
    ),
    Kpi(
        name="reassignments", table="kpi_reassignment_distribution", unit="tickets",
        summary="How many tickets were reassigned 0, 1, 2, 3, 4 or 5+ times, and their share.",
        grain=("source", "priority", "reassignments"),
        base="fact_ticket", date="created_date",
        dims={**_TICKET_DIMS, "reassignments": "CASE WHEN reassignment_count >= 5 THEN '5+' "
                                               "ELSE CAST(reassignment_count AS VARCHAR) END"},
        measures={"tickets": "count(*)",
                  "share_pct": "100.0 * count(*) / sum(count(*)) OVER ({share})"},
        where="reassignment_count IS NOT NULL", share_over=frozenset({"reassignments"}),
        default_by=("reassignments",),
    ),
    Kpi(
        name="priority_summary", table="kpi_priority_summary", unit="mixed",
        summary="Per priority: tickets, open, resolution hours, share resolved in target, reopens.",
        grain=("source", "priority"),
        base="fact_ticket", date="created_date", dims=_TICKET_DIMS,
        measures={
            "tickets": "count(*)",
            "open_tickets": "count(CASE WHEN is_open THEN 1 END)",
            "resolved": "count(resolution_hours)",
            "mean_resolution_hours": "avg(resolution_hours)",
            "median_resolution_hours": "median(resolution_hours)",
            "p90_resolution_hours": "quantile_cont(resolution_hours, 0.9)",
            "median_first_response_hours": "median(first_response_hours)",
            "responded_within_target_pct": _pct(
                "count(CASE WHEN within_response_target THEN 1 END)",
                "count(within_response_target)"),
            "resolved_within_target_pct": _pct(
                "count(CASE WHEN within_resolution_target THEN 1 END)",
                "count(within_resolution_target)"),
            "reopen_rate_pct": _pct("count(CASE WHEN reopen_count > 0 AND first_resolved_at IS NOT NULL THEN 1 END)",
                                    "count(first_resolved_at)"),
            "source_sla_met_pct": _pct("count(CASE WHEN source_sla_met THEN 1 END)",
                                       "count(source_sla_met)"),
        },
        default_by=("source", "priority"),
    ),
    Kpi(
        name="lifecycle", table="lifecycle_summary", unit="hours",
        summary="How tickets ended and how long they lived: mean, maximum, 95th percentile.",
        grain=("source",),
        base="lifecycle_ticket", date=local_day("created_at", "timezone"),
        dims={"source": "source", "priority": "priority", "customer": "customer",
              "group": "group_name", "ended_by": "ended_by"},
        measures={
            "tickets": "count(*)",
            "closed": "count(CASE WHEN ended_by = 'closed' THEN 1 END)",
            "cancelled": "count(CASE WHEN ended_by = 'cancelled' THEN 1 END)",
            "vanished": "count(CASE WHEN vanished THEN 1 END)",
            "still_open": "count(CASE WHEN ended_by = 'open' THEN 1 END)",
            "mean_lifetime_hours": "avg(lifetime_hours)",
            "max_lifetime_hours": "max(lifetime_hours)",
            "p95_lifetime_hours": "quantile_cont(lifetime_hours, 0.95)",
        },
        default_by=("source",), extra_tables=("lifecycle_ticket",),
    ),
    Kpi(
        name="update_intervals", table="lifecycle_update_interval", unit="hours",
        summary="Hours between consecutive user modifications of a ticket.",
        grain=("source", "ticket", "modified_at"),
        base="lifecycle_update_interval", date=local_day("modified_at", "timezone"),
        dims={"source": "source", "priority": "priority", "customer": "customer",
              "group": "group_name", "ticket": "ticket_id"},
        measures={"intervals": "count(*)", "mean_hours": "avg(interval_hours)",
                  "median_hours": "median(interval_hours)",
                  "p90_hours": "quantile_cont(interval_hours, 0.9)",
                  "max_hours": "max(interval_hours)"},
        default_by=("source",),
    ),
    Kpi(
        name="update_lag", table="lifecycle_lag", unit="seconds",
        summary="Seconds from a user's change to the system's record of it (snapshot _ts).",
        grain=("source", "ticket", "modified_at"),
        base="lifecycle_lag", date=local_day("modified_at", "timezone"),
        dims={"source": "source", "priority": "priority", "customer": "customer",
              "group": "group_name", "ticket": "ticket_id"},
        measures={"updates": "count(*)", "mean_seconds": "avg(lag_seconds)",
                  "stddev_seconds": "stddev_samp(lag_seconds)",
                  "median_seconds": "median(lag_seconds)",
                  "p95_seconds": "quantile_cont(lag_seconds, 0.95)",
                  "max_seconds": "max(lag_seconds)"},
        default_by=("source",),
    ),
    Kpi(
        name="distributions", table="lifecycle_distribution", unit="values per bin",
        summary="Histograms with a kernel density curve: lifetimes, update intervals, lags.",
        grain=("source", "measure", "dimension", "value", "bin"),
        base="lifecycle_distribution", date=None,
        dims={"source": "source", "measure": "measure", "dimension": "dimension",
              "value": "value"},
        measures={}, default_by=("source", "measure", "dimension", "value", "bin"), fixed=True,
    ),
    Kpi(
        name="time_in_status", table="flow_time_in_status", unit="hours",
        summary="Completed stays in each status: count, total, mean, median, 90th percentile.",
        grain=("source", "status"),
        base="flow_status_interval", date=local_day("entered_at", "timezone"),
        dims={"source": "source", "status": "status", "category": "status_category"},
        measures={
            "status_category": "max(status_category)",
            "stays": "count(hours)",
            "tickets": "count(DISTINCT CASE WHEN hours IS NOT NULL THEN ticket_id END)",
            "total_hours": "sum(hours)", "mean_hours": "avg(hours)",
            "median_hours": "median(hours)", "p90_hours": "quantile_cont(hours, 0.9)",
            "current_stays": "count(*) - count(hours)",
        },
        default_by=("source", "status"), extra_tables=("flow_status_interval",),
    ),
    Kpi(
        name="transitions", table="flow_transitions", unit="transitions",
        summary="Status transition matrix: moves between statuses and median hours before.",
        grain=("source", "from_status", "to_status"),
        base="flow_status_interval", date=local_day("left_at", "timezone"),
        dims={"source": "source", "from_status": "status", "to_status": "next_status"},
        measures={"transitions": "count(*)", "median_hours": "median(hours)"},
        where="next_status IS NOT NULL", default_by=("source", "from_status", "to_status"),
    ),
    Kpi(
        name="flow", table="flow_summary", unit="mixed",
        summary="Throughput, handoffs, ping-pong and tiered-support conformance per source.",
        grain=("source",),
        base="flow_ticket", date=local_day("first_event_at", "timezone"),
        dims={"source": "source", "priority": "priority", "group": "group_name"},
        measures={
            "tickets": "count(*)",
            "mean_throughput_hours": "avg(throughput_hours)",
            "median_throughput_hours": "median(throughput_hours)",
            "p90_throughput_hours": "quantile_cont(throughput_hours, 0.9)",
            "max_throughput_hours": "max(throughput_hours)",
            "tickets_with_group_handoffs": "count(CASE WHEN group_changes > 0 THEN 1 END)",
            "mean_group_changes": "avg(group_changes)",
            "mean_assignee_changes": "avg(assignee_changes)",
            "grouped_tickets": "count(ping_pong)",
            "ping_pong_tickets": "count(CASE WHEN ping_pong THEN 1 END)",
            "ping_pong_pct": _pct("count(CASE WHEN ping_pong THEN 1 END)", "count(ping_pong)"),
            "tiered_tickets": "count(tier_conformant)",
            "conformant_tickets": "count(CASE WHEN tier_conformant THEN 1 END)",
            "conformance_pct": _pct("count(CASE WHEN tier_conformant THEN 1 END)",
                                    "count(tier_conformant)"),
        },
        default_by=("source",), extra_tables=("flow_ticket",),
    ),
    Kpi(
        name="variants", table="flow_variants", unit="tickets",
        summary="Status sequences (variants) with their tickets, share and median throughput.",
        grain=("source", "variant"),
        base="flow_ticket", date=local_day("first_event_at", "timezone"),
        dims={"source": "source", "variant": "variant", "priority": "priority"},
        measures={"tickets": "count(*)",
                  "share_pct": "100.0 * count(*) / sum(count(*)) OVER ({share})",
                  "median_throughput_hours": "median(throughput_hours)"},
        where="variant IS NOT NULL", share_over=frozenset({"variant"}),
        default_by=("source", "variant"),
    ),
    Kpi(
        name="sla_attainment", table="kpi_sla_attainment", unit="% of SLA clocks",
        summary="SLA clocks achieved and breached (business time, pauses) per policy and metric.",
        grain=("day", "source", "policy", "metric", "priority", "group"),
        base="kpi_sla_attainment", date="day", dims=_SLA_DIMS,
        measures={
            "achieved": "CAST(sum(achieved) AS BIGINT)", "breached": "CAST(sum(breached) AS BIGINT)",
            "breached_running": "CAST(sum(breached_running) AS BIGINT)",
            "cancelled": "CAST(sum(cancelled) AS BIGINT)",
            "attainment_pct": _pct("CAST(sum(achieved) AS BIGINT)", "sum(achieved) + sum(breached)"),
            "breach_pct": _pct("CAST(sum(breached) AS BIGINT)", "sum(achieved) + sum(breached)"),
        },
        default_by=("policy", "metric"),
    ),
    Kpi(
        name="sla_at_risk", table="kpi_sla_at_risk", unit="SLA clocks",
        summary="Running SLA clocks at 50% of their target or more: 50-75, 75-90, 90-100, breached.",
        grain=("source", "ticket", "metric"),
        base="kpi_sla_at_risk", date="due_date",
        dims={**_SLA_DIMS, "risk": "risk", "stage": "stage", "ticket": "ticket_id"},
        measures={
            "clocks": "count(*)", "paused": "count(CASE WHEN stage = 'paused' THEN 1 END)",
            "min_hours_left": "min(seconds_left) / 3600.0",
            "next_due_at": "min(CASE WHEN stage <> 'breached' THEN due_at END)",
        },
        default_by=("risk",),
    ),
    Kpi(
        name="daily_ops", table="kpi_daily_ops", unit="mixed",
        summary="One row per day and source: volume, turnaround, breach %, reopens, backlog.",
        grain=("day", "source"), base="kpi_daily_ops", date="day", dims={"source": "source"},
        measures={}, default_by=("day", "source"), fixed=True,
    ),
]}  # fmt: skip
