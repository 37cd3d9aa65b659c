"""Small DuckDB conveniences shared by the lake, ingestion and the warehouse."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

Config = dict[str, str | bool | int | float | list[str]]


def connect(config: Config, spill: Path | None = None, path: str = ":memory:",
            read_only: bool = False) -> duckdb.DuckDBPyConnection:  # fmt: skip
    """A DuckDB connection with ticketlake's session settings: ``config`` (memory limit,
    threads), UTC as the session time zone, rows kept in insertion order, no progress bar
    (it would be printed on standard output, among the results), and ``spill`` as the folder
    DuckDB may spill to."""
    settings = {**config, "preserve_insertion_order": True}
    if spill is not None:
        settings["temp_directory"] = str(spill)
    con = duckdb.connect(path, read_only=read_only, config=settings)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


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


def relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the tables and (user-made) views ``con`` can read."""
    rows = con.execute("SELECT table_name FROM duckdb_tables() UNION "
                       "SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()  # fmt: skip
    return {r[0] for r in rows}


def column_types(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    """(name, type) of each column of a table or view, in order."""
    quoted = '"' + relation.replace('"', '""') + '"'
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {quoted}").fetchall()]


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, data: object) -> Iterator[str]:
    """``data`` (an Arrow table) visible to SQL as ``name`` for the block, then gone."""
    con.register(name, data)
    try:
        yield name
    finally:
        con.unregister(name)


def insert(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
           rows: Sequence[Sequence[object]]) -> None:  # fmt: skip
    """Insert ``rows`` into ``table`` in one statement (through Arrow, not row by row:
    ``executemany`` runs one statement per row, which is slow for thousands of rows)."""
    if not rows:
        return
    import pyarrow as pa  # noqa: PLC0415 - a dependency of the package anyway

    data = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})
    names = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
    with registered(con, "_rows", data) as name:
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {name}")
