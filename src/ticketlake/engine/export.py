"""Write the warehouse's mart and KPI tables to files (CSV or Parquet), one per table.

CSV is for people and spreadsheets: a text cell that a spreadsheet would run as a formula is
written with a leading apostrophe, by the rule of :mod:`ticketlake.common.cells` that every
CSV ticketlake writes follows. Parquet keeps values as they are.

Each file is written to a hidden ``.<table>.<32 hex digits>.tmp`` beside it and renamed into
place, so it appears whole or not at all. An export that was killed leaves its ``.tmp``
behind; the next export into the folder deletes such leftovers. Exports into one folder take
turns (an advisory lock on the folder itself), so none deletes the file another is writing.
"""

from __future__ import annotations

import fcntl
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ticketlake.common import duck
from ticketlake.common.cells import guard, sql_guard
from ticketlake.common.duck import scalar
from ticketlake.common.sqltext import ident, lit
from ticketlake.engine import models
from ticketlake.errors import StorageError

FORMATS = ("csv", "parquet")
_PARTIAL = re.compile(r"\..+\.[0-9a-f]{32}\.tmp")  # the names _partial gives, no other


@dataclass(frozen=True)
class Exported:
    """One written file."""

    table: str
    path: Path
    rows: int


def exportable(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The mart, KPI, lifecycle and flow tables of a build, in name order: every model but
    the canonical ones."""
    mart = {name for name, m in models.load().items() if m.layer != "canonical"}
    return sorted(mart & duck.relations(con))


def export(con: duckdb.DuckDBPyConnection, out_dir: Path, fmt: str,
           tables: list[str] | None = None) -> list[Exported]:  # fmt: skip
    """Write each table to ``out_dir/<table>.<fmt>``; each file appears whole or not at all."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError.of(f"cannot write to the export folder {out_dir}", exc) from None
    with _taking_turns(out_dir):
        _remove_leftovers(out_dir)
        names = tables if tables is not None else exportable(con)
        return [_write(con, out_dir, table, fmt) for table in names]


def _write(con: duckdb.DuckDBPyConnection, out_dir: Path, table: str, fmt: str) -> Exported:
    """Write one table to a partial file, then rename it into place."""
    target = out_dir / f"{table}.{fmt}"
    partial = _partial(out_dir, table)
    options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet, COMPRESSION zstd"
    select = neutralised(con, table) if fmt == "csv" else f"SELECT * FROM {ident(table)}"
    try:
        rows = scalar(con, f"COPY ({select}) TO {lit(str(partial))} ({options})")
        os.replace(partial, target)
    except (duckdb.IOException, OSError) as exc:
        raise StorageError(f"cannot write {target}: {_reason(exc)}; the files already "
                           "written are whole, run the export again") from None  # fmt: skip
    finally:
        partial.unlink(missing_ok=True)
    return Exported(table, target, rows)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    text = str(exc).splitlines()[0]
    return "the disk is full" if "No space left on device" in text else text


def _partial(out_dir: Path, table: str) -> Path:
    """A new hidden name to write ``table`` under until it is complete."""
    return out_dir / f".{table}.{uuid.uuid4().hex}.tmp"


def _remove_leftovers(out_dir: Path) -> None:
    """Delete the partial files that killed exports left in ``out_dir``, and no other file."""
    for path in out_dir.glob(".*.tmp"):
        if _PARTIAL.fullmatch(path.name) and path.is_file():
            path.unlink(missing_ok=True)


@contextmanager
def _taking_turns(out_dir: Path) -> Iterator[None]:
    """Hold an advisory lock on the folder itself while exporting into it: a second export
    into the same folder waits, and the operating system releases the lock however the
    process ends."""
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _cell(name: str, kind: str) -> str:
    if kind == "VARCHAR":
        return sql_guard(ident(name))
    return f"CAST({ident(name)} AS VARCHAR)" if kind.endswith("[]") else ident(name)


def neutralised(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """SELECT of ``table`` with every text cell that could run as a formula made inert (and
    every column name, which becomes a header cell); a list becomes its text, ``[a, b]``, which
    a CSV can hold and no spreadsheet runs."""
    columns = duck.column_types(con, table)
    parts = [f"{_cell(name, kind)} AS {ident(guard(name))}" for name, kind in columns]
    return f"SELECT {', '.join(parts)} FROM {ident(table)}"
