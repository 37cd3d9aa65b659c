"""Warehouse builds are immutable snapshots: readers keep theirs, writes are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticketlake import Project, TicketlakeError, UsageError
from ticketlake.engine.warehouse import KEEP_BUILDS
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


def _whole(con: object) -> list[object]:
    """Every table's row count and a checksum of the tickets: what a reader saw of its build."""
    tables = [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() "  # type: ignore[attr-defined]
                                        "WHERE NOT internal ORDER BY 1").fetchall()]  # fmt: skip
    counts = [con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in tables]  # type: ignore[attr-defined]
    digest = con.execute("SELECT sum(hash(ticket_id, status)) FROM fact_ticket").fetchall()  # type: ignore[attr-defined]
    return [tables, counts, digest]


def test_a_reader_keeps_its_whole_build_however_many_builds_are_published(
    project: Project, generated: dict[str, Generated]
) -> None:  # fmt: skip
    """A reader's lease keeps its build's files through pruning (KEEP_BUILDS is 2, and three
    full builds are published while it is open); once it closes, the next build prunes it."""
    first, second = generated["tickets"].files[:2]
    project.ingest([first.path], format="tickets")
    project.build()
    with project.warehouse.reading() as snapshot:
        seen = _whole(snapshot.con)
        project.ingest([second.path], format="tickets")
        for _ in range(KEEP_BUILDS + 1):
            project.build(full=True)
        assert _whole(snapshot.con) == seen
        assert _count(project) == seen[1][seen[0].index("tickets")] + second.rows
        assert project.warehouse.current().build_id != snapshot.build.build_id  # type: ignore[union-attr]
        files = [snapshot.build.path_of(t) for t in snapshot.build.tables]
    assert all(f.exists() for f in files)
    project.build()
    assert not any(f.exists() for f in files)
    assert not list((project.warehouse.builds / "readers").iterdir())


def test_a_lease_whose_reader_is_gone_holds_nothing(
    project: Project, generated: dict[str, Generated]
) -> None:  # fmt: skip
    """A lease file nobody keeps locked (its process died) is deleted by the next prune."""
    project.ingest([generated["tickets"].files[0].path], format="tickets")
    project.build()
    old = project.warehouse.current()
    assert old is not None
    folder = project.warehouse.builds / "readers"
    folder.mkdir(exist_ok=True)
    (folder / f"{old.build_id}.0123.lease").touch()
    project.build(full=True)
    project.build(full=True)
    assert not (project.warehouse.builds / f"{old.build_id}.duckdb").exists()
    assert not list(folder.iterdir())
