"""Warehouse builds are immutable snapshots: readers keep theirs, writes are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticketlake import Project, TicketlakeError, UsageError
from ticketlake.synth import Generated


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An initialised, empty project."""
    p = Project(tmp_path / "project")
    p.root.mkdir()
    p.init()
    return p


def _count(project: Project) -> object:
    return project.query("SELECT count(*) FROM tickets")[1][0][0]


def test_query_before_any_build_says_what_to_do(project: Project) -> None:
    """A clear one-line error instead of an empty database."""
    with pytest.raises(UsageError, match="ticketlake build"):
        project.query("SELECT 1")


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM tickets",
        "DROP TABLE tickets",
        "INSERT INTO tickets SELECT * FROM tickets",
        "CREATE TABLE x AS SELECT 1",
        "COPY tickets TO '/tmp/out.csv'",
        "SELECT 1; DELETE FROM tickets",
        "UPDATE tickets SET status = 'x'",
    ],
)
def test_write_statements_are_refused_and_change_nothing(
    sql: str, project: Project, generated: dict[str, Generated]
) -> None:  # fmt: skip
    """``query`` accepts one read-only statement; the snapshot is untouched."""
    project.ingest([generated["tickets"].files[0].path], format="tickets")
    project.build()
    before = _count(project)
    with pytest.raises(UsageError):
        project.query(sql)
    assert _count(project) == before


def test_an_open_reader_keeps_its_snapshot_while_a_new_build_publishes(
    project: Project, generated: dict[str, Generated]
) -> None:  # fmt: skip
    """The build does not wait for readers, and readers never see a half-built warehouse."""
    first, second = generated["tickets"].files[:2]
    project.ingest([first.path], format="tickets")
    project.build()
    reader = project.warehouse.connect()
    try:
        old = reader.execute("SELECT count(*) FROM tickets").fetchall()[0][0]
        project.ingest([second.path], format="tickets")
        done = project.build()
        assert reader.execute("SELECT count(*) FROM tickets").fetchall()[0][0] == old
    finally:
        reader.close()
    assert _count(project) == old + second.rows
    assert project.warehouse.path.resolve() == done.path
    assert done.lake_version == project.lake.manifest().version


def test_select_builds_a_model_and_what_it_needs(project: Project) -> None:
    """``--select`` runs the closure of one model; unknown names are one-line errors."""
    assert project.build(select="tickets").models == ["tickets"]
    with pytest.raises(TicketlakeError, match="no model named"):
        project.build(select="nope")
