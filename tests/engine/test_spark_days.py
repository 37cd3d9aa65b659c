"""A DuckDB build after a Spark build refreshes the day models by day from Spark's tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.test_days import DAY_MODELS, EARLY, HEADER, _ingest
from tests.models.test_incremental import _assert_same, _snapshot
from ticketlake import Project

pytestmark = pytest.mark.spark  # these files share the one Spark worker

LATER = HEADER + (
    "B,2024-01-03T10:00:00Z,assigned,In Progress,cy,Low\n"
    "B,2024-01-03T12:00:00Z,resolved,Resolved,cy,Low\n"
    "D,2024-01-03T13:00:00Z,created,New,,High\n"
)


def test_a_duckdb_build_after_a_spark_build_refreshes_by_day(tmp_path: Path) -> None:
    """Spark builds every model from the lake (mode ``spark``, which rebuilds nothing the
    next build must redo); the next DuckDB build refreshes the day models by day, and the
    warehouse equals a full DuckDB build: the same rows everywhere, the same column types in
    the day models (per-ticket tables keep the integer widths Spark gave them)."""
    root = tmp_path / "p"
    root.mkdir()
    Project(root).init()
    for name, text in (("desk-1.csv", EARLY), ("desk-2.csv", LATER)):
        (root / name).write_text(text, encoding="utf-8")
    _ingest(Project(root), "desk-1.csv", "eventlog")
    spark = Project(root, ["engine.name=spark"]).build()
    assert set(spark.modes.values()) == {"spark"}
    project = Project(root)
    _ingest(project, "desk-2.csv", "eventlog")
    modes = project.build().modes
    assert modes["kpi_volume_daily"] == modes["kpi_backlog_daily"] == "incremental"
    assert {modes[name] for name in DAY_MODELS} <= {"incremental", "unchanged"}
    incremental = _snapshot(project.warehouse.path.resolve())
    full = _snapshot(project.build(full=True).path)
    assert set(incremental) == set(full)
    for name, (types, rows) in sorted(incremental.items()):
        _assert_same(name, (types if name in DAY_MODELS else full[name][0], rows), full[name])
