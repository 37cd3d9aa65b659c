"""Write the warehouse's mart and KPI tables to files (CSV or Parquet), one per table.

CSV is for people and spreadsheets: a text cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return would run as a formula when opened, so it is written with a
leading apostrophe (the OWASP advice for CSV injection). Parquet keeps values as they are.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ticketlake.common.duck import scalar
from ticketlake.common.sqltext import ident, lit
from ticketlake.engine import models

FORMATS = ("csv", "parquet")
_FORMULA = r"^[=+\-@\t\r]"


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
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    return sorted(mart & present)


def export(con: duckdb.DuckDBPyConnection, out_dir: Path, fmt: str,
           tables: list[str] | None = None) -> list[Exported]:  # fmt: skip
    """Write each table to ``out_dir/<table>.<fmt>``; each file appears whole or not at all."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    done = []
    for table in tables if tables is not None else exportable(con):
        target = out_dir / f"{table}.{fmt}"
        partial = out_dir / f".{table}.{uuid.uuid4().hex}.tmp"
        options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet, COMPRESSION zstd"
        select = _neutralised(con, table) if fmt == "csv" else f"SELECT * FROM {ident(table)}"
        try:
            rows = scalar(con, f"COPY ({select}) TO {lit(str(partial))} ({options})")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        done.append(Exported(table, target, rows))
    return done


def _neutralised(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """SELECT of ``table`` with every text cell that could run as a formula made inert."""
    columns = con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                          "WHERE table_name = ? ORDER BY column_index", [table]).fetchall()  # fmt: skip
    parts = []
    for name, kind in columns:
        col = ident(name)
        if kind == "VARCHAR":
            parts.append(f"CASE WHEN regexp_matches({col}, {lit(_FORMULA)}) THEN '''' || {col} "
                         f"ELSE {col} END AS {col}")  # fmt: skip
        else:
            parts.append(col)
    return f"SELECT {', '.join(parts)} FROM {ident(table)}"
