"""The model runner: what each build recomputes, and why."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ticketlake import Project
from ticketlake.engine import runner

HEADER = "case_id,timestamp,event_type,status,assignee,priority\n"
DAY1 = HEADER + (
    "A,2024-01-01T09:00:00Z,created,New,,High\n"
    "A,2024-01-01T10:00:00Z,assigned,In Progress,ann,High\n"
    "B,2024-01-01T11:00:00Z,created,New,,Low\n"
)
DAY2 = HEADER + (
    "A,2024-01-01T15:00:00Z,resolved,Resolved,ann,High\n"
    "C,2024-01-02T08:00:00Z,created,New,,Critical\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A project with one event log source, day 1 ingested and built."""
    p = Project(tmp_path / "project")
    p.root.mkdir()
    p.init()
    (p.root / "day1.csv").write_text(DAY1, encoding="utf-8")
    (p.root / "day2.csv").write_text(DAY2, encoding="utf-8")
    p.ingest([p.root / "day1.csv"], format="eventlog")
    p.build()
    return p


def _fact(project: Project) -> list[tuple[object, ...]]:
    return project.query(
        "SELECT ticket_id, is_open, resolution_hours, within_resolution_target "
        "FROM fact_ticket ORDER BY ticket_id"
    )[1]


def test_new_batch_refreshes_only_the_tickets_it_touches(project: Project) -> None:
    """Day 2 resolves A and creates C: ticket models run incrementally, and so do the day
    models, for the days of A and C; the rest recompute."""
    project.ingest([project.root / "day2.csv"], format="eventlog")
    build = project.build()
    assert build.modes["fact_ticket"] == "incremental"
    assert build.modes["fact_ticket_event"] == "incremental"
    assert build.modes["dim_priority"] == "unchanged"  # reads only settings
    assert build.modes["kpi_volume_daily"] == "incremental"
    assert build.modes["kpi_priority_summary"] == "full"  # over all days
    state = dict(project.query("SELECT model, rows_changed FROM _models")[1])
    assert state["fact_ticket"] == 2  # tickets A and C
    assert _fact(project) == [("A", False, 6.0, True), ("B", True, None, None),
                              ("C", True, None, None)]  # fmt: skip


def test_nothing_new_recomputes_nothing(project: Project) -> None:
    """A build with no new batches keeps every table as it was."""
    build = project.build()
    assert set(build.modes.values()) == {"unchanged"}


def test_changed_settings_recompute_everything(project: Project) -> None:
    """New targets change the rule, so every model is rebuilt from the lake."""
    project.ingest([project.root / "day2.csv"], format="eventlog")
    project.build()
    config = project.root / "ticketlake.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("P2: {response_hours: 1, resolution_hours: 8}",
                                   "P2: {response_hours: 1, resolution_hours: 5}"), "utf-8")  # fmt: skip
    build = Project(project.root).build()
    assert set(build.modes.values()) == {"full"}
    assert _fact(Project(project.root))[0] == ("A", False, 6.0, False)  # 6 h > 5 h


def test_full_and_recreated_lake_rebuild_from_scratch(project: Project) -> None:
    """``full`` ignores the previous snapshot; so does a lake whose history changed."""
    assert set(project.build(full=True).modes.values()) == {"full"}
    shutil.rmtree(project.root / "lake")
    project.ingest([project.root / "day2.csv"], format="eventlog")
    build = project.build()
    assert build.modes["fact_ticket"] == "full"
    assert [row[0] for row in _fact(project)] == ["A", "C"]  # B's lake is gone


def test_select_keeps_other_tables_of_the_previous_build(project: Project) -> None:
    """``--select`` refreshes one model's closure; the other tables stay as they were."""
    project.ingest([project.root / "day2.csv"], format="eventlog")
    build = project.build(select="fact_ticket")
    assert set(build.modes) == {"tickets", "fact_ticket_event", "fact_ticket"}
    assert project.query("SELECT count(*) FROM fact_ticket")[1] == [(3,)]
    assert project.query("SELECT sum(created) FROM kpi_volume_daily")[1] == [(2,)]
    assert project.build().modes["kpi_volume_daily"] == "full"
    assert project.query("SELECT sum(created) FROM kpi_volume_daily")[1] == [(3,)]


def test_a_full_build_in_parts_equals_one_in_one(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one input row per MB of a 1 MB DuckDB, every per-ticket model is built in
    ticket-hash parts (a row each); its tables hold the same rows as a build in one part."""
    project.ingest([project.root / "day2.csv"], format="eventlog")
    project.build(full=True)
    whole = {name: _rows(project, name) for name in _per_ticket_tables(project)}
    parts: list[int] = []
    counted = runner._parts
    monkeypatch.setattr(runner, "_memory_bytes", lambda con: 2**20)
    monkeypatch.setattr(runner, "_parts", lambda *args: parts.append(counted(*args)) or parts[-1])
    Project(project.root, ["engine.part_rows=1"]).build(full=True)
    assert min(parts) > 1
    assert {name: _rows(project, name) for name in whole} == whole
    assert runner._memory_bytes_text("667.5 MiB") == int(667.5 * 2**20)


def _per_ticket_tables(project: Project) -> list[str]:
    from ticketlake.engine import models  # noqa: PLC0415

    return [name for name, model in models.load().items() if model.per_ticket]


def _rows(project: Project, table: str) -> list[tuple[object, ...]]:
    return sorted(project.query(f"SELECT * FROM {table}")[1], key=repr)


def test_renaming_inputs_leaves_ctes_alone() -> None:
    """Narrowing a model's inputs rewrites table references, never a CTE of the same name."""
    sql = "WITH tickets AS (SELECT * FROM ticket_events) SELECT * FROM tickets AS t"
    out = runner._rename_tables(sql, {"ticket_events": "_d", "tickets": "_t"})
    assert "FROM _d AS ticket_events" in out
    assert "FROM tickets AS t" in out
