"""Settings the models read, written into the warehouse as small ``cfg_*`` tables.

Keeping them as tables keeps the models plain SQL (on DuckDB and on Spark alike) and lets a
BI user see which targets and categories a build used. :func:`fingerprint` changes whenever
any of them does, which makes the next build recompute everything rather than mix rules.
"""

from __future__ import annotations

import hashlib
import itertools
import json

import duckdb
import pyarrow as pa

from ticketlake.config import Settings
from ticketlake.config.sla import Policy
from ticketlake.engine import calendars
from ticketlake.engine.calendars import Span

WINDOWS, YEARS = "cfg_calendar_windows", "cfg_calendar_years"
TEXT = pa.string()
# The years of event times the calendar windows must cover (the same SQL on either engine).
EVENT_SPAN_SQL = (
    "SELECT year(min(event_time) - INTERVAL 2 DAY), year(max(event_time)) FROM ticket_events"
)


def tables(settings: Settings, span: Span | None = None) -> dict[str, pa.Table]:
    """Every ``cfg_*`` table for ``settings``; the calendar windows cover the local days of
    ``span`` (none without it)."""
    levels = settings.priorities.levels
    aliases = {raw.strip().lower(): p for raw, p in settings.priorities.aliases.items()}
    aliases.update({level.strip().lower(): level for level in levels})
    targets = settings.targets
    windows = calendars.windows_table(settings, span)
    bounds = [0.0, *settings.aging_buckets]
    labels = settings.aging_bucket_labels()
    return {
        # status label (lower case, trimmed) -> category
        "cfg_statuses": pa.table({
            "status_key": [k.strip().lower() for k in settings.statuses],
            "status_category": list(settings.statuses.values()),
        }),
        # raw priority (lower case, trimmed) -> canonical priority; levels map to themselves
        "cfg_priority_aliases": pa.table({
            "raw_key": list(aliases), "priority": list(aliases.values()),
        }),
        "cfg_priorities": pa.table({
            "priority": levels,
            "priority_rank": list(range(1, len(levels) + 1)),
            "response_target_hours": pa.array(
                [targets[p].response_hours if p in targets else None for p in levels], pa.float64()),
            "resolution_target_hours": pa.array(
                [targets[p].resolution_hours if p in targets else None for p in levels], pa.float64()),
        }),
        "cfg_aging_buckets": pa.table({
            "bucket": labels,
            "bucket_order": list(range(1, len(labels) + 1)),
            "lower_days": pa.array(bounds, pa.float64()),
            "upper_days": pa.array([*bounds[1:], None], pa.float64()),
        }),
        "cfg_params": pa.table({
            "backlog_cutoff_hour": [settings.kpis.backlog_cutoff_hour],
            "conversion_min_interactions": [settings.kpis.conversion_min_interactions],
            "sla_priority": [settings.sla_priority],
            "timezone": [settings.timezone],  # the project's; the zone of unconfigured sources
        }),
        # source -> the zone its local days are in (engine/dialect.py), the project's if unset
        "cfg_source_zones": pa.table({
            "source": pa.array([s.name for s in settings.sources], TEXT),
            "timezone": pa.array([s.timezone or settings.timezone for s in settings.sources], TEXT),
        }),
        **sla_tables(settings),
        "cfg_calendars": calendars.calendars_table(settings),
        WINDOWS: windows,
        YEARS: calendars.years_table(windows, span),
    }  # fmt: skip


NAMES = frozenset({
    "cfg_statuses", "cfg_priority_aliases", "cfg_priorities", "cfg_aging_buckets", "cfg_params",
    "cfg_calendars", WINDOWS, YEARS, "cfg_sla_rules", "cfg_sla_targets", "cfg_sla_pauses", "cfg_source_zones",
})  # fmt: skip
RULE_COLUMNS = ("source", "priority", "group_name", "category", "channel", "customer")

SLA_SCHEMAS = {
    "cfg_sla_rules": pa.schema(
        [("rule_order", pa.int64()), ("policy", TEXT)] + [(c, TEXT) for c in RULE_COLUMNS]
    ),
    "cfg_sla_targets": pa.schema(
        [
            ("policy", TEXT),
            ("metric", TEXT),
            ("priority", TEXT),
            ("target_seconds", pa.float64()),
            ("calendar", TEXT),
        ]
    ),
    "cfg_sla_pauses": pa.schema([("policy", TEXT), ("metric", TEXT), ("status_category", TEXT)]),
}


def _rules(order: int, policy: Policy) -> list[dict[str, object]]:
    """A row per combination of the values the policy's conditions list (NULL: any)."""
    when = policy.when
    values = [when.source, when.priority, when.group, when.category, when.channel, when.customer]
    options: list[list[str | None]] = [list(v) if v else [None] for v in values]
    return [
        {"rule_order": order, "policy": policy.name, **dict(zip(RULE_COLUMNS, c, strict=True))}
        for c in itertools.product(*options)
    ]


def _targets(policy: Policy, levels: list[str]) -> list[dict[str, object]]:
    return [
        {
            "policy": policy.name,
            "metric": metric,
            "priority": priority,
            "target_seconds": hours * 3600.0,
            "calendar": clock.calendar,
        }
        for metric, clock in policy.clocks().items()
        for priority, hours in clock.hours_by_priority(levels).items()
    ]


def sla_tables(settings: Settings) -> dict[str, pa.Table]:
    """``cfg_sla_rules`` (a row per combination of a policy's conditions, in policy order),
    ``cfg_sla_targets`` (policy, metric, priority -> seconds and calendar) and
    ``cfg_sla_pauses`` (policy, metric -> the status categories that pause its clock)."""
    policies = settings.policies()
    rows = {
        "cfg_sla_rules": [r for n, p in enumerate(policies, start=1) for r in _rules(n, p)],
        "cfg_sla_targets": [t for p in policies for t in _targets(p, settings.priorities.levels)],
        "cfg_sla_pauses": [
            {"policy": p.name, "metric": metric, "status_category": category}
            for p in policies
            for metric, clock in p.clocks().items()
            for category in clock.pauses(metric)
        ],
    }
    return {name: pa.Table.from_pylist(rows[name], schema=SLA_SCHEMAS[name]) for name in rows}


def event_span(con: duckdb.DuckDBPyConnection) -> Span | None:
    """The local days the calendar windows cover for the lake's events (lake views in ``con``)."""
    first, last = con.execute(EVENT_SPAN_SQL).fetchall()[0]
    return calendars.span_of(first, last)


def fingerprint(settings: Settings, span: Span | None = None) -> str:
    """A digest of everything the ``cfg_*`` tables hold."""
    return digest(tables(settings, span), settings)


def digest(found: dict[str, pa.Table], settings: Settings) -> str:
    """The fingerprint of the ``cfg_*`` tables ``found`` for ``settings``. The calendar
    windows (and their years) count by the calendars that define them, not by the days they cover: a model
    uses only differences of their running totals, which a longer span leaves unchanged, so
    events reaching a new year do not force a full rebuild."""
    body: dict[str, object] = {
        name: table.to_pylist() for name, table in found.items() if name not in (WINDOWS, YEARS)
    }
    body[WINDOWS] = {name: cal.model_dump(mode="json") for name, cal in settings.calendars.items()}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def write(con: duckdb.DuckDBPyConnection, settings: Settings, span: Span | None = None) -> str:
    """Create or replace the ``cfg_*`` tables in ``con``; return their fingerprint."""
    found = tables(settings, span)
    for name, table in found.items():
        con.register("_cfg", table)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _cfg")
        con.unregister("_cfg")
    return digest(found, settings)
