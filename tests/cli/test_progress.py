"""While ``ingest`` and ``demo`` work, the progress line says the stage, file i of N and the
rows read so far (issue 16), and prints file names literally."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from ticketlake import Project, demo
from ticketlake.cli.progress import stages

NAME = "[bold]ev :smile:"  # rich would read this as markup and an emoji code
HEADER = "case_id,timestamp,event_type,status\n"


def _project(root: Path) -> Path:
    """A project with two event-log files, of 2 and 3 rows."""
    folder = root / "exports"
    folder.mkdir(parents=True)
    (folder / f"{NAME} 1.csv").write_text(HEADER + "A-1,2024-01-05T09:00:00Z,created,New\n"
                                          "A-1,2024-01-05T10:00:00Z,resolved,Resolved\n")  # fmt: skip
    (folder / f"{NAME} 2.csv").write_text(HEADER + "".join(
        f"B-{i},2024-01-06T09:00:00Z,created,New\n" for i in range(3)))  # fmt: skip
    Project(root).init()
    return folder


def _terminal() -> tuple[Console, io.StringIO]:
    screen = io.StringIO()
    return Console(file=screen, force_terminal=True, width=100, markup=False, emoji=False), screen


def test_ingest_tells_each_file_with_its_number(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    told: list[tuple[int, int, str]] = []
    Project(tmp_path).ingest([folder], "eventlog", on_file=lambda *a: told.append(a))
    assert told == [(1, 2, f"{NAME} 1.csv"), (2, 2, f"{NAME} 2.csv")]


def test_the_progress_line_shows_stage_file_count_and_rows(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    console, screen = _terminal()
    with stages("ingesting", console) as watch:
        Project(tmp_path).ingest([folder], "eventlog", progress=watch.rows, on_file=watch.file)
    shown = screen.getvalue()
    assert f"ingesting: {NAME} 1.csv" in shown and f"ingesting: {NAME} 2.csv" in shown
    assert "file 1/2" in shown and "file 2/2" in shown
    assert "2 rows" in shown and "5 rows" in shown and "😄" not in shown


def test_the_demo_tells_every_stage(tmp_path: Path) -> None:
    said: list[str] = []

    class Record:
        def stage(self, text: str) -> None:
            said.append(text)

        def file(self, number: int, total: int, name: str) -> None:
            said.append(f"file {number}/{total}")

        def rows(self, name: str, rows: int, size: int) -> None:
            said.append("rows")

    demo.run(tmp_path / "demo", tickets=60, days=5, charts=False, watch=Record())
    for stage in ("generating tickets", "ingesting helpdesk_dirty", "building", "exporting"):
        assert stage in said
    assert "rows" in said and any(s.startswith("file 1/") for s in said)
    assert any(s.startswith("building ") and s != "building" for s in said)  # model by model
