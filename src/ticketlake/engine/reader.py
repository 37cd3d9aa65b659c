"""The one read path: every query on the warehouse runs here, sandboxed by construction.

Two independent locks, each enough on its own to keep a query away from the file system:

- **The connection** (:func:`connect`). An in-memory DuckDB with the warehouse's contents
  mounted read-only, then external access disabled and the configuration locked. From then
  on it cannot open, list or write any file or URL except the warehouse it was given (and,
  for an export, the one folder it was told to write into), cannot attach, install or load
  anything, and cannot ``SET`` its way back.
- **The statement** (:func:`check`). DuckDB's own parser must find exactly one statement, of
  type SELECT (which covers ``WITH``, ``FROM x``, ``VALUES``, ``DESCRIBE``, ``SHOW`` and
  ``SUMMARIZE``); anything else is refused before it runs, and exactly that statement runs.

**The seam with the warehouse.** The warehouse decides *what* a reader sees, as a
:class:`Mount`: the exact Parquet file of each table of the published build
(engine/publish.py). This module registers one view per table over its file in the default
catalog, puts those files (and nothing else) into DuckDB's ``allowed_paths``, and only then
locks the connection down.

**Two kinds of caller.** :func:`user_query` is for SQL a person typed (``ticketlake query``,
later the HTTP API): it runs under :class:`Limits` (rows and seconds) and says whether rows
were left out. :func:`catalog_query` is for ticketlake's own SQL (KPIs, tables, the report,
lifecycle and flow): the same sandbox, never cut, because a KPI missing rows would be wrong
without saying so.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from ticketlake.common.sqltext import ident, lit
from ticketlake.config.model import Engine, Query
from ticketlake.errors import TicketlakeError, UsageError

_HIDDEN = {"Cc", "Cf", "Zl", "Zp"}  # control, format (zero-width, bidi) and line separators
CATALOG = "warehouse"  # the name the attached warehouse has in a reader's SQL
# Set after mounting, in this order: no extension is fetched or loaded behind the query's
# back, no progress bar is written to stdout, and then the two locks themselves.
LOCKDOWN = (
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    "SET enable_progress_bar = false",
    "SET enable_external_access = false",
    "SET lock_configuration = true",
)


@dataclass(frozen=True)
class Mount:
    """What a reader may see, as the warehouse decides it: each table's Parquet file, and a
    folder of the reader's own (no other reader's) that DuckDB may spill to when a query
    outgrows its memory; DuckDB creates it only then and removes it on close."""

    tables: Mapping[str, Path]
    spill: Path
    name: str = "the warehouse"  # how errors name what was mounted


@dataclass(frozen=True)
class Limits:
    """Caps on one query a person typed: at most ``rows`` rows, ``seconds`` of running."""

    rows: int | None = None
    seconds: float | None = None

    @classmethod
    def of(cls, settings: Query) -> Limits:
        """The caps the ``query`` settings give."""
        return cls(settings.max_rows, settings.timeout_seconds)


class Result(tuple[list[str], list[tuple[object, ...]]]):
    """``(columns, rows)`` of one query, so ``names, rows = ...`` unpacks it; ``cut`` says
    whether the row cap left rows out (a tuple with a named extra, like ``os.stat_result``)."""

    cut: bool

    def __new__(cls, columns: list[str], rows: list[tuple[object, ...]], cut: bool) -> Result:
        self = super().__new__(cls, (columns, rows))
        self.cut = cut
        return self

    @property
    def columns(self) -> list[str]:
        """The column names."""
        return self[0]

    @property
    def rows(self) -> list[tuple[object, ...]]:
        """The rows, at most the row cap."""
        return self[1]


def connect(
    mount: Mount, engine: Engine, write_to: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """A locked-down connection that sees ``mount`` and nothing else; ``write_to`` is the one
    folder it may also write files into (for ``export``)."""
    con = duckdb.connect(":memory:", config=engine.duckdb_config())
    try:
        _mount(con, mount)
        if write_to is not None:
            folder = os.path.join(os.path.abspath(write_to), "")
            con.execute(f"SET allowed_directories = [{lit(folder)}]")
        for statement in LOCKDOWN:
            con.execute(statement)
    except duckdb.Error as exc:
        con.close()
        raise TicketlakeError(f"cannot open {mount.name}: {_first(exc)}") from None
    return con


def _mount(con: duckdb.DuckDBPyConnection, mount: Mount) -> None:
    """The default catalog holds one view per table over its file; those files are the only
    ones the connection may read."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET temp_directory = {lit(str(mount.spill))}")
    con.execute(f"ATTACH ':memory:' AS {ident(CATALOG)}")
    con.execute(f"USE {ident(CATALOG)}")
    files = [str(path) for path in mount.tables.values()]
    for table, path in mount.tables.items():
        con.execute(f"CREATE VIEW {ident(table)} AS SELECT * FROM read_parquet({lit(str(path))})")
    con.execute(f"SET allowed_paths = [{', '.join(lit(f) for f in files)}]")


def check(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.Statement:
    """The one SELECT statement ``sql`` holds, parsed by the parser that will run it;
    anything else (no statement, several, or another kind) is refused in one line."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise UsageError(f"query does not parse: {_first(exc)}") from None
    if len(statements) == 1 and statements[0].type == duckdb.StatementType.SELECT:
        return statements[0]
    raise UsageError(f"only a single read-only SELECT is allowed (got {_kind(statements)})")


def _kind(statements: list[duckdb.Statement]) -> str:
    """What was given instead of one SELECT: ``PRAGMA``, ``2 statements``, ``no statement``."""
    if len(statements) == 1:
        return statements[0].type.name
    return f"{len(statements)} statements" if statements else "no statement"


def user_query(con: duckdb.DuckDBPyConnection, sql: str, limits: Limits) -> Result:
    """Run SQL a person typed under ``limits``: at most ``limits.rows`` rows (one more is
    fetched to know whether any were left out) and ``limits.seconds`` of running."""
    statement = check(con, sql)
    with _failures(limits.seconds), _deadline(con, limits.seconds):
        cursor = con.execute(statement)
        columns = [d[0] for d in cursor.description or ()]
        if limits.rows is None:
            return Result(columns, cursor.fetchall(), cut=False)
        rows = cursor.fetchmany(limits.rows + 1)
    return Result(columns, rows[: limits.rows], cut=len(rows) > limits.rows)


def catalog_query(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """Run ticketlake's own SQL (a KPI, a report chart) in the same sandbox, every row."""
    statement = check(con, sql)
    with _failures(None):
        return con.sql(statement).to_arrow_table()


@contextmanager
def _deadline(con: duckdb.DuckDBPyConnection, seconds: float | None) -> Iterator[None]:
    """Interrupt the connection's query once ``seconds`` have passed."""
    if seconds is None:
        yield
        return
    timer = threading.Timer(seconds, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


@contextmanager
def _failures(seconds: float | None) -> Iterator[None]:
    """DuckDB's errors as one line: the sandbox refusing (exit 2), the time limit of
    ``seconds`` reached, or any other failure of the query (exit 1)."""
    try:
        yield
    except duckdb.InterruptException:
        if seconds is None:
            raise TicketlakeError("query interrupted") from None
        raise TicketlakeError(
            f"query stopped after {seconds:g} s (query.timeout_seconds)"
        ) from None
    except duckdb.PermissionException as exc:
        raise UsageError(
            f"query refused: {_first(exc)}; a query reads only the warehouse's tables"
        ) from None
    except duckdb.Error as exc:
        raise TicketlakeError(f"query failed: {_first(exc)}") from None


def _first(exc: BaseException) -> str:
    """The first line of an error's message (DuckDB adds the query and a caret below it),
    with invisible and control characters spelled out, so that an echoed right-to-left
    override or zero-width space cannot disguise the line."""
    line = (str(exc).splitlines() or [type(exc).__name__])[0]
    return "".join(
        c if unicodedata.category(c) not in _HIDDEN else f"\\u{ord(c):04x}" for c in line
    )
