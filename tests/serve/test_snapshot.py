"""Each request reads one build: the dependency's connection keeps its build to the end."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from ticketlake import Project
from ticketlake.cli.main import app
from ticketlake.serve import snapshot
from ticketlake.synth import Generated


def test_a_request_keeps_its_build_while_others_are_published(
    tmp_path: object, generated: dict[str, Generated]
) -> None:  # fmt: skip
    """The request's connection, opened before three builds publish, still reads its own
    build whole; the next request sees the newest."""
    project = Project(tmp_path / "p")  # type: ignore[operator]
    project.root.mkdir()
    project.init()
    first, second = generated["tickets"].files[:2]
    project.ingest([first.path], format="tickets")
    project.build()
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(project=project)))
    opened = snapshot.connection(request)  # type: ignore[arg-type]
    held = next(opened)
    count = "SELECT count(*) FROM fact_ticket"
    before = held.con.execute(count).fetchall()[0][0]
    project.ingest([second.path], format="tickets")
    for _ in range(3):
        project.build(full=True)
    assert held.con.execute(count).fetchall()[0][0] == before
    assert held.con.execute("SELECT count(*) FROM fact_ticket_event").fetchall()[0][0] > 0
    with pytest.raises(StopIteration):
        next(opened)  # the request ends: its connection closes, its lease goes
    following = snapshot.connection(request)  # type: ignore[arg-type]
    newer = next(following)
    assert newer.build.build_id == project.warehouse.current().build_id  # type: ignore[union-attr]
    assert newer.con.execute(count).fetchall()[0][0] > before
    following.close()


def test_serve_without_the_extra_says_what_to_install(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:  # fmt: skip
    """Without FastAPI, `ticketlake serve` is one line naming the extra."""
    monkeypatch.setitem(sys.modules, "fastapi", None)  # import fastapi now raises ImportError
    done = CliRunner().invoke(app, ["--project", str(tmp_path), "serve"])
    assert done.exit_code == 2
    assert "pip install 'ticketlake[serve]'" in done.output
    assert "Traceback" not in done.output
