"""Sources by name: what a source is called without --source, and source list, rename, drop
and restore, each one commit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.ingest.test_reprocess import TABLES, index_rows, lake_state, new_project, run_cli
from ticketlake import Project
from ticketlake.synth import Options, write_shape

SMALL = Options(tickets=200, days=40, seed=9)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("named")
    events = write_shape("events", root / "Service Desk", SMALL, dirty_rate=0.02).out
    snaps = write_shape("snapshots", root / "daily_snaps", Options(tickets=50, days=3)).out
    return {"events": events, "snapshots": snaps}


def test_a_source_is_named_after_its_folder_or_file_stem(
    exports: dict[str, Path], tmp_path: Path
) -> None:
    """A folder names its files' source; a file alone its stem without a date; a file whose
    stem is only a date its folder. Never the format's name."""
    project = new_project(tmp_path / "p")
    project.ingest([exports["events"]])
    first = sorted(exports["snapshots"].glob("*.csv"))[0]
    project.ingest([first])
    single = tmp_path / "incidents_2024-01.csv"
    shutil.copy(sorted(exports["events"].glob("*.csv"))[0], single)
    project.ingest([single])
    names = {b.source for b in project.lake.manifest().batches if b.status == "committed"}
    assert names == {"service_desk", "daily_snaps", "incidents"}


def test_source_list_shows_name_format_files_rows_and_last_batch(
    exports: dict[str, Path], tmp_path: Path
) -> None:
    project = new_project(tmp_path / "p")
    outcome = project.ingest([exports["events"]])
    [row] = project.sources()
    committed = [b for b in outcome.batches if b.status == "committed"]
    assert (row.name, row.formats, row.files, row.rows, row.state) == (
        "service_desk", "eventlog", len(committed), sum(b.rows_in for b in committed), "live")  # fmt: skip
    assert row.last_batch == committed[-1].batch_id
    code = run_cli(project.root, "source", "list")
    assert code.returncode == 0 and "service_desk" in code.stdout


def test_rename_is_one_commit_and_changes_only_the_name(
    exports: dict[str, Path], tmp_path: Path
) -> None:
    """Every row and file carries the new name, nothing else changes, the key index is in
    step, and the next build shows the new name only."""
    project = new_project(tmp_path / "p")
    project.ingest([exports["events"]])
    project.build()
    before, version = lake_state(project), project.lake.manifest().version
    project.rename_source("service_desk", "desk")
    manifest = project.lake.manifest()
    assert manifest.version == version + 1
    assert all("/desk/" in f.key for f in manifest.files)
    files = [p for p in (project.root / "lake").rglob("*") if p.is_file()]
    assert not [p for p in files if "service_desk" in p.parts]
    assert lake_state(project) == renamed(before, "service_desk", "desk")
    assert index_rows(project, rebuilt=False) == index_rows(project, rebuilt=True)
    project.build()
    assert project.query("SELECT DISTINCT source FROM fact_ticket").rows == [("desk",)]


def renamed(state: dict[str, list[tuple[object, ...]]], old: str, new: str) -> dict[str, object]:
    """``state`` with every value ``old`` replaced by ``new``."""
    return {t: sorted((tuple(new if v == old else v for v in row) for row in rows), key=repr)
            for t, rows in state.items()}  # fmt: skip


def test_rename_refusals_are_one_line_exit_2(exports: dict[str, Path], tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    project.ingest([exports["events"]])
    project.ingest([sorted(exports["snapshots"].glob("*.csv"))[0]])
    cases = {("nope", "x"): "unknown source 'nope' (sources in the lake: daily_snaps, service_desk)",
             ("service_desk", "daily_snaps"): "source 'daily_snaps' already exists in the lake",
             ("service_desk", "Bad Name"): "invalid source name 'Bad Name'"}  # fmt: skip
    for (old, new), message in cases.items():
        result = run_cli(project.root, "source", "rename", old, new)
        assert result.returncode == 2, result.stderr
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(f"error: {message}"), line


def test_a_configured_source_is_renamed_in_the_config_first(
    exports: dict[str, Path], tmp_path: Path
) -> None:
    project = new_project(tmp_path / "p", {"sources": [
        {"name": "desk", "format": "eventlog", "path": str(exports["events"])}]})  # fmt: skip
    project.ingest(source="desk")
    result = run_cli(project.root, "source", "rename", "desk", "other")
    assert result.returncode == 2
    assert "rename it there to 'other' first" in result.stderr


def test_drop_then_restore_gives_back_the_same_lake(
    exports: dict[str, Path], tmp_path: Path
) -> None:
    """A drop is one commit that hides the source from every table; restore brings back
    exactly what was there, and the key index follows both."""
    project = new_project(tmp_path / "p")
    project.ingest([exports["events"]])
    project.ingest([sorted(exports["snapshots"].glob("*.csv"))[0]])
    before, version = lake_state(project), project.lake.manifest().version
    unranked = lake_state(project, ranks=False)
    project.drop_source("service_desk")
    assert project.lake.manifest().version == version + 1
    dropped = lake_state(project, ranks=False)
    for table in (*TABLES, "ledger"):  # every row's first column is its source
        assert dropped[table] == [r for r in unranked[table] if r[0] != "service_desk"], table
    assert dropped["ticket_sightings"] and len(dropped["bronze"]) < len(before["bronze"])
    assert [s.state for s in project.sources()] == ["live", "dropped"]
    assert index_rows(project, rebuilt=False) == index_rows(project, rebuilt=True)
    result = run_cli(project.root, "source", "drop", "--undo", "service_desk")
    assert result.returncode == 0, result.stderr
    assert lake_state(project) == before
    assert index_rows(project, rebuilt=False) == index_rows(project, rebuilt=True)


def test_the_next_build_makes_a_drop_final(exports: dict[str, Path], tmp_path: Path) -> None:
    """After a build, the dropped files are deleted and restore says why it cannot."""
    project = new_project(tmp_path / "p")
    project.ingest([exports["events"]])
    project.drop_source("service_desk")
    project.build()
    assert not list((project.root / "lake").rglob("*.parquet"))
    result = run_cli(project.root, "source", "restore", "service_desk")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: no dropped source 'service_desk' to restore (a dropped source can be restored "
        "until the next build)"
    ]
    statuses = {b.status for b in Project(project.root).lake.manifest().batches}
    assert statuses == {"dropped"}  # the ledger keeps the history
