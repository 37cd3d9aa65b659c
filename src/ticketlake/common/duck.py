"""Small DuckDB conveniences shared by the lake, ingestion and the warehouse."""

from __future__ import annotations

import duckdb


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """The integer in the first column of the first row of ``sql`` (0 when there is none)."""
    rows = con.execute(sql).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a table (temporary or not) called ``name`` exists."""
    rows = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]
    ).fetchall()
    return bool(rows[0][0])
