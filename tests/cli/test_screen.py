"""Readable at 80 columns (issue 16): ``status``, ``quarantine`` and ``tables --sample`` on
the demo project print one line per row, no line wider than the terminal, every value whole
or visibly cut with ``…``; the default output of ``status`` and ``quarantine`` fits 60 lines;
an empty result is one line."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from ticketlake import Project, demo
from ticketlake.cli import screen
from ticketlake.cli.main import app

WIDTH = 80
RULE = re.compile(r"^─+(┼─+)*$")


def _cli(root: Path, *args: str, width: int = WIDTH) -> tuple[int, str, str]:
    """``ticketlake -p ROOT ARGS...`` in-process on a terminal ``width`` columns wide."""
    result = CliRunner().invoke(app, ["-p", str(root), *args], env={"COLUMNS": str(width)})
    return result.exit_code, result.stdout, result.stderr


def _table(out: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of the first fitted table in ``out``, cells stripped."""
    lines = out.splitlines()
    rule = next(i for i, line in enumerate(lines) if RULE.match(line))
    header = [c.strip() for c in lines[rule - 1].split("│")]
    body = []
    for line in lines[rule + 1 :]:
        if "│" not in line:
            break
        body.append([c.strip() for c in line.split("│")])
    return header, body


def _same(cell: str, value: Any) -> bool:
    """Whether ``cell`` shows ``value`` whole, or cut at its end or start with ``…``."""
    full = screen.shown(value)
    if cell == full:
        return True
    if cell.endswith(screen.ELLIPSIS) and full.startswith(cell[:-1]):
        return True
    return cell.startswith(screen.ELLIPSIS) and full.endswith(cell[1:])


def _shows(row: Sequence[str], header: Sequence[str], full: Mapping[str, Any]) -> bool:
    return all(_same(cell, full[name]) for cell, name in zip(row, header, strict=True))


def _fits(out: str) -> None:
    too_wide = [line for line in out.splitlines() if cell_len(line) > WIDTH]
    assert too_wide == []


def test_status_is_a_summary_per_source(demo_project: Path) -> None:
    code, out, err = _cli(demo_project, "status")
    assert code == 0, err
    _fits(out)
    assert len(out.splitlines()) <= 60
    header, body = _table(out)
    found = Project(demo_project).ledger_summary()
    assert [row[0] for row in body] == [s["source"] for s in found] == list(demo.SOURCES)
    for row, s in zip(body, found, strict=True):
        full = {"source": s["source"], "files": s["files"], "rows in": s["rows_in"],
                "loaded": s["rows_loaded"], "quarantined": s["rows_quarantined"],
                "last batch": s["last_batch_at"][5:16].replace("T", " "),
                "warnings": len(s["warnings"])}  # fmt: skip
        assert _shows(row, header, full), row
    dirty = next(s for s in found if s["source"] == "helpdesk_dirty")
    assert dirty["rows_quarantined"] > 0 and any("quarantined" in w for w in dirty["warnings"])
    assert any(line.startswith("  helpdesk_dirty: ") for line in out.splitlines())


def test_quarantine_is_one_line_per_row(demo_project: Path) -> None:
    code, out, err = _cli(demo_project, "quarantine")
    assert code == 0, err
    _fits(out)
    assert len(out.splitlines()) <= 60
    header, body = _table(out)
    rows = json.loads(_cli(demo_project, "quarantine", "-f", "json")[1])
    assert header == ["file:line", "reason", "raw"] and len(body) == len(rows) > 0
    for cells, r in zip(body, rows, strict=True):
        where = f"{Path(r['file']).relative_to(demo_project.resolve())}:{r['line']}"
        assert _shows(cells, header, {"file:line": where, "reason": r["reason"], "raw": r["raw"]})
    assert any(cells[2].endswith(screen.ELLIPSIS) for cells in body)  # raw text is cut ...


def test_quarantine_full_shows_every_raw_text_whole(demo_project: Path) -> None:
    code, out, err = _cli(demo_project, "quarantine", "--full")
    assert code == 0, err
    for r in json.loads(_cli(demo_project, "quarantine", "-f", "json")[1]):
        assert f"  {screen.shown(r['raw'])}\n" in out and r["batch_id"] in out


def test_tables_sample_is_one_screen_per_table(demo_project: Path) -> None:
    code, out, err = _cli(demo_project, "tables", "--sample", "3")
    assert code == 0, err
    _fits(out)
    project = Project(demo_project)
    blocks = re.split(r"^(?=\w+: (?:\d+ of \d+ rows|nothing matched))", out, flags=re.M)[1:]
    assert len(blocks) == len(project.tables())
    con = project.warehouse.connect()
    for block in blocks:
        table = block.split(":", 1)[0]
        assert len(block.splitlines()) <= 24, block
        if "nothing matched" in block.splitlines()[0]:
            assert block.count("\n") == 1
            continue
        header, body = _table(block)
        found = con.execute(f'SELECT * FROM "{table}"')
        names, rows = [d[0] for d in found.description], found.fetchall()
        everything = [dict(zip(names, row, strict=True)) for row in rows]
        assert 0 < len(body) <= 3 and header == names[: len(header)]
        assert all(any(_shows(cells, header, r) for r in everything) for cells in body), table
        if len(header) < len(names):
            assert f"{len(names) - len(header)} more columns" in block


def test_status_batches_last_2(demo_project: Path) -> None:
    code, out, err = _cli(demo_project, "status", "--batches", "--last", "2")
    assert code == 0, err
    _fits(out)
    header, body = _table(out)
    batches = Project(demo_project).status()["batches"][-2:]
    assert len(body) == 2
    for cells, b in zip(body, batches, strict=True):
        assert b["batch_id"].endswith("-" + cells[0])
        file = str(Path(b["path"]).relative_to(demo_project.resolve()))
        assert _same(cells[header.index("file")], file) and not cells[1].startswith("/")


def test_status_batches_of_one_source(demo_project: Path) -> None:
    code, out, _ = _cli(demo_project, "status", "--batches", "--source", "helpdesk_dirty")
    batches = [b for b in Project(demo_project).status()["batches"]
               if b["source"] == "helpdesk_dirty"]  # fmt: skip
    assert code == 0 and len(_table(out)[1]) == len(batches) > 0


def test_a_short_batch_id_selects_the_batch(demo_project: Path) -> None:
    rows = json.loads(_cli(demo_project, "quarantine", "-f", "json")[1])
    whole = rows[0]["batch_id"]
    short = json.loads(_cli(demo_project, "quarantine", "--batch", whole[-8:], "-f", "json")[1])
    assert short and {r["batch_id"] for r in short} == {whole}


@pytest.mark.parametrize(
    "args",
    [
        ["query", "SELECT 1 AS one WHERE false"],
        ["kpis", "backlog", "--where", "source=no such source"],
        ["kpis", "volume", "--from", "2099-01-01"],
        ["quarantine", "--batch", "00000000"],
        ["status", "--source", "no such source"],
        ["status", "--batches", "--source", "no such source"],
    ],
    ids=" ".join,
)
def test_an_empty_result_is_one_line(demo_project: Path, args: list[str]) -> None:
    code, out, err = _cli(demo_project, *args)
    assert code == 0, err
    assert out.count("\n") == 1 and "nothing matched" in out


def test_a_narrow_terminal_leaves_columns_out_and_says_which(demo_project: Path) -> None:
    code, out, err = _cli(demo_project, "status", "--batches", width=50)
    assert code == 0, err
    header, _ = _table(out)
    assert all(cell_len(line) <= 50 for line in out.splitlines())
    assert "reason" not in header and "more columns (--format csv or json): " in out


def test_numbers_and_short_values_are_never_cut() -> None:
    names = ["id", "text", "n"]
    cells = [["TCK-1", "x" * 200, "123456789"]]
    fitted = screen.layout(names, cells, [False, False, True], 40, flexible={"text"})
    assert fitted.names == names and fitted.left_out == []
    assert fitted.widths[0] == 5 and fitted.widths[2] == 9
    assert sum(fitted.widths) + 3 * 2 == 40  # the flexible column takes the rest of the line


def test_columns_that_do_not_fit_are_left_out_in_order() -> None:
    names = [f"column_{i}" for i in range(10)]
    fitted = screen.layout(names, [["value"] * 10], [False] * 10, 40)
    assert fitted.names == names[:3] and fitted.left_out == names[3:]


def test_a_value_stays_on_one_line_and_is_printed_literally(
    capsys: pytest.CaptureFixture[str],
) -> None:
    screen.emit([{"raw": "a\nb\r\tc", "label": "[bold]x[/bold] :smile:"}], width=80)
    out = capsys.readouterr().out
    assert "a\\nb\\r\\tc" in out and "[bold]x[/bold] :smile:" in out and len(out.splitlines()) == 3


@pytest.mark.parametrize(
    ("text", "width", "end", "start"),
    [
        ("abcdef", 6, "abcdef", "abcdef"),
        ("abcdef", 4, "abc…", "…def"),
        ("日本語です", 5, "日本…", "…です"),
    ],
)
def test_clip_cuts_to_terminal_cells(text: str, width: int, end: str, start: str) -> None:
    assert screen.clip(text, width) == end and screen.clip_start(text, width) == start
    assert cell_len(screen.clip(text, width)) <= width >= cell_len(screen.clip_start(text, width))
