"""``export`` on a DuckDB table of its own: formula-safe CSV by the shared rule, numbers kept,
and the partial file of a killed export removed by the next one."""

from __future__ import annotations

import csv
import fcntl
import os
import threading
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from ticketlake.engine.export import export

# Text cells and what the CSV must hold (the cases of tests/common/test_cells.py that matter
# most); ``n`` is an integer column whose -1 stays -1.
CELLS = {"=1+1": "'=1+1", "\n=1+1": "'\n=1+1", "＝1+1": "'＝1+1", "-2+3": "'-2+3", "ok": "ok"}
LEFTOVER = ".fact_ticket.0123456789abcdef0123456789abcdef.tmp"
NOT_OURS = (".notes.tmp", "keep.tmp", ".fact_ticket.abc.tmp", ".fact_ticket.csv.bak")


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE fact_ticket (n INTEGER, v VARCHAR)")
    con.executemany("INSERT INTO fact_ticket VALUES (-1, ?)", [[v] for v in CELLS])
    return con


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_csv_cells_are_formula_safe_and_numbers_are_kept(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    [done] = export(con, tmp_path, "csv", ["fact_ticket"])
    rows = _read(done.path)
    assert [r["v"] for r in rows] == list(CELLS.values())
    assert {r["n"] for r in rows} == {"-1"}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_next_export_removes_what_a_killed_one_left(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, fmt: str
) -> None:
    """A partial file named as export names them is deleted; files named otherwise are not;
    the export itself is whole."""
    (tmp_path / LEFTOVER).write_text("n,v\n-1,half a ro", encoding="utf-8")
    for name in NOT_OURS:
        (tmp_path / name).write_text("mine", encoding="utf-8")
    [done] = export(con, tmp_path, fmt, ["fact_ticket"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*NOT_OURS, f"fact_ticket.{fmt}"])
    assert all((tmp_path / name).read_text(encoding="utf-8") == "mine" for name in NOT_OURS)
    assert done.rows == len(CELLS)
    assert duckdb.sql(f"SELECT count(*) FROM '{done.path}'").fetchall() == [(len(CELLS),)]


def test_an_export_waits_for_another_in_the_same_folder(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """While another export holds the folder, its partial file is left alone; the waiting
    export then runs, and removes it only once it is a leftover."""
    (tmp_path / LEFTOVER).write_text("being written", encoding="utf-8")
    other = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(other, fcntl.LOCK_EX)
    waiting = threading.Thread(target=export, args=(con, tmp_path, "csv", ["fact_ticket"]))
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive() and (tmp_path / LEFTOVER).exists()
    os.close(other)  # the other export ends
    waiting.join(30)
    assert not waiting.is_alive()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fact_ticket.csv"]


def test_a_list_column_becomes_its_text_in_a_csv() -> None:
    """Lists (a theme's key phrases) are written as ``[a, b]``, which pyarrow's CSV writer and
    any spreadsheet accept; a text cell inside a list cannot start the cell as a formula."""
    import pyarrow.csv as pa_csv  # noqa: PLC0415

    from ticketlake.engine.export import neutralised  # noqa: PLC0415

    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT ['vpn tunnel', '=1+1'] AS phrases, '=2' AS label")
    data = con.sql(neutralised(con, "t")).to_arrow_table()
    assert data.to_pylist() == [{"phrases": "[vpn tunnel, '=1+1']", "label": "'=2"}]
    pa_csv.write_csv(data, pa.BufferOutputStream())
