"""Settings the models read, written into the warehouse as small ``cfg_*`` tables.

Keeping them as tables keeps the models plain SQL (on DuckDB and on Spark alike) and lets a
BI user see which targets and categories a build used. :func:`fingerprint` changes whenever
any of them does, which makes the next build recompute everything rather than mix rules.
"""

from __future__ import annotations

import hashlib
import json

import duckdb
import pyarrow as pa

from ticketlake.config import Settings


def tables(settings: Settings) -> dict[str, pa.Table]:
    """Every ``cfg_*`` table for ``settings``."""
    levels = settings.priorities.levels
    aliases = {raw.strip().lower(): p for raw, p in settings.priorities.aliases.items()}
    aliases.update({level.strip().lower(): level for level in levels})
    targets = settings.targets
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
        }),
    }  # fmt: skip


NAMES = frozenset(
    {"cfg_statuses", "cfg_priority_aliases", "cfg_priorities", "cfg_aging_buckets", "cfg_params"}
)


def fingerprint(settings: Settings) -> str:
    """A digest of everything the ``cfg_*`` tables hold."""
    body = {name: table.to_pylist() for name, table in sorted(tables(settings).items())}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def write(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Create or replace the ``cfg_*`` tables in ``con``."""
    for name, table in tables(settings).items():
        con.register("_cfg", table)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _cfg")
        con.unregister("_cfg")
