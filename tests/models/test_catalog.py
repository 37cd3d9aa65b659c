"""The KPI catalog agrees with the KPI tables: ``kpis NAME --by <the table's grain>`` gives
the table's own rows, so the CLI and a BI tool reading the tables never disagree."""

from __future__ import annotations

import math

import pytest

from ticketlake import Project, kpis
from ticketlake.synth import Options, write_shape

# ``--by`` names whose table column is named differently.
COLUMNS = {"week": "week_start", "group": "group_name", "ticket": "ticket_id"}
# Every KPI whose table has a grain ``--by`` can express (row-level tables aside).
CHECKED = [k.name for k in kpis.CATALOG.values()
           if not k.fixed and all(n in k.by_names() for n in k.grain)]  # fmt: skip


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Generated events, interactions and snapshots, each as its own source, built once."""
    root = tmp_path_factory.mktemp("catalog")
    options = Options(tickets=400, days=30, seed=11)
    project = Project(root / "project")
    project.root.mkdir()
    project.init()
    for shape, fmt in (("events", "eventlog"), ("interactions", "interactions"),
                       ("snapshots", "snapshots")):  # fmt: skip
        data = write_shape(shape, root / shape, options)
        project.ingest([data.out], format=fmt, source=None)
    project.settings.kpis.conversion_min_interactions = 5
    project.build()
    return project


def _rounded(row: dict[str, object]) -> tuple[object, ...]:
    return tuple(round(v, 6) if isinstance(v, float) and not math.isnan(v) else v
                 for v in row.values())  # fmt: skip


@pytest.mark.parametrize("name", CHECKED)
def test_catalog_at_table_grain_equals_the_table(project: Project, name: str) -> None:
    """Every measure the catalog computes that the table also stores (a daily table keeps
    sums, not the averages derived from them) equals the table's column."""
    kpi = kpis.CATALOG[name]
    stored = {c for (c,) in project.query(f"SELECT column_name FROM duckdb_columns() "
                                          f"WHERE table_name = '{kpi.table}'")[1]}  # fmt: skip
    measures = [m for m in kpi.measures if m in stored]
    from_catalog = [{k: r[k] for k in [*kpi.grain, *measures]}
                    for r in project.kpi(name, by=list(kpi.grain)).to_pylist()]  # fmt: skip
    keys = [COLUMNS.get(n, n) for n in kpi.grain]
    columns = [*keys, *measures]
    listed = ", ".join(f'"{c}"' for c in columns)
    names, table = project.query(f"SELECT {listed} FROM {kpi.table}")
    assert from_catalog, f"{name}: the fixture produced no rows"
    expected = sorted((_rounded(dict(zip(names, r, strict=True))) for r in table), key=repr)
    found = sorted((_rounded(r) for r in from_catalog), key=repr)
    assert found == expected
