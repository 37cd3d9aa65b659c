"""Refreshing day-keyed models by day: the days an input's change touched, and rewriting them.

A ``grain: ticket`` input that a build refreshed leaves its changed tickets' rows as they were
(``_old_<table>``) and as they are (``_new_<table>``), narrowed to the columns the day models
read. A day model's rows for day d are computed from the input rows that fall on d (the
model's ``-- days:`` header, :class:`ticketlake.engine.models.Days`), so d must be refreshed
only when those rows, as seen from d, differ: each old and new row is placed on its days and
shown as d sees it (a point column as whether it falls on d, a span's end only on the days
next to it, where the end decides), and the days of the rows that differ are the days touched.
A row whose read columns did not change touches no day. A ``grain: day`` input refreshed by
day touched the days it refreshed. The runner (engine/runner.py) decides when this applies.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope

from ticketlake.common.duck import scalar
from ticketlake.common.sqltext import ident, lit
from ticketlake.engine import models

Key = date | None  # a day (or a week's Monday); NULL is a key like any other
OLD, NEW = "_old_", "_new_"  # prefixes of a refreshed per-ticket model's kept rows


def columns_read(con: duckdb.DuckDBPyConnection, model: models.Model) -> dict[str, set[str]]:
    """The columns ``model`` reads from each table it reads, found by qualifying its SQL with
    sqlglot against the working database's tables (``*`` expands to what it stands for)."""
    tables: dict[str, dict[str, str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name "
        f"NOT IN ('temp', 'system') AND table_name IN ({', '.join(map(lit, model.reads))})"
    ).fetchall():
        tables.setdefault(table, {})[column] = "VARCHAR"  # names are all qualify needs
    for days in model.days:
        missing = sorted(set(days.columns) - set(tables.get(days.table, days.columns)))
        if missing:
            raise models.ModelError(
                f"model {model.name}: '-- days: {days.table}(...)' names "
                f"{missing[0]}, which {days.table} does not have"
            )
    schema: dict[str, object] = {**tables}
    tree = qualify(
        sqlglot.parse_one(model.sql, read=models.DIALECT), schema=schema, dialect=models.DIALECT
    )
    found: dict[str, set[str]] = {table: set() for table in model.reads}
    for scope in traverse_scope(tree):
        for column in scope.columns:
            source = scope.sources.get(column.table)
            if isinstance(source, exp.Table) and source.name in found:
                found[source.name].add(column.name)
    return found


def keep(con: duckdb.DuckDBPyConnection, table: str, columns: Iterable[str], prefix: str) -> None:
    """Copy ``columns`` of the rows of the tickets in ``_changed`` as ``<prefix><table>``."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {prefix}{table} AS SELECT {_list(columns)} "
        f"FROM {table} SEMI JOIN _changed USING (source, ticket_id)"
    )


def touched(
    con: duckdb.DuckDBPyConnection, days: models.Days, read: set[str], calendar: models.Model | None
) -> set[Key]:
    """The days on which the kept old and new rows of ``days.table``, narrowed to the
    columns ``read`` and shown as each day sees them, differ."""
    if not days.points and not days.spans:
        return set()  # its rows fall on no day (only the values of ``every`` matter)
    table, rows = days.table, _list(sorted({*read, *days.columns}))
    # Old rows count -1, new ones +1: what is left, with its count, is what changed.
    sql = f"""WITH changed AS MATERIALIZED (
            SELECT row_number() OVER () AS _rid, * FROM (
                SELECT {rows}, sum(_n) AS _n FROM (
                    SELECT {rows}, -1 AS _n FROM {OLD}{table}
                    UNION ALL SELECT {rows}, 1 FROM {NEW}{table})
                GROUP BY ALL HAVING sum(_n) <> 0)),
        seen AS ({_seen(days, sorted(read), "changed", calendar)})
        SELECT DISTINCT _day FROM (
            SELECT * EXCLUDE (_n), sum(_n) AS _n FROM seen GROUP BY ALL HAVING sum(_n) <> 0)"""
    return {r[0] for r in con.execute(sql).fetchall()}


def _seen(days: models.Days, shown: list[str], rows: str, calendar: models.Model | None) -> str:
    """Each row of ``rows`` once per day it falls on (``_day``), as that day sees it."""
    placed = [f"SELECT _rid, CAST({ident(p)} AS DATE) AS _day FROM {rows}" for p in days.points]
    placed += [_span(start, end, rows, calendar) for start, end in days.spans]
    columns = ["p._day", *(_as_seen(days, c) for c in shown), "r._n"]
    return (
        f"SELECT {', '.join(columns)} FROM ({' UNION '.join(placed)}) p JOIN {rows} r USING (_rid)"
    )


def _span(start: str, end: str | None, rows: str, calendar: models.Model | None) -> str:
    """Each row of ``rows`` with every calendar day its span may cover: from the UTC day
    before its start to the UTC day after its end. A local day's instant (its cut-off in a
    zone from UTC-14 to UTC+14, at hour 0 to 24) lies from 14 hours before the day's UTC
    midnight to 36 hours after it, so a day outside those cannot be covered."""
    if calendar is None:  # models.parse allows spans only in models that read the calendar
        raise models.ModelError(f"a span in '-- days:' needs the model {models.CALENDAR}")
    day = f"c.{ident(str(calendar.key))}"
    covered = f"{day} >= CAST(r.{ident(start)} AS DATE) - 1"
    if end is not None:
        covered += f" AND (r.{ident(end)} IS NULL OR {day} <= CAST(r.{ident(end)} AS DATE) + 1)"
    return f"SELECT r._rid, {day} AS _day FROM {rows} r JOIN {calendar.name} c ON {covered}"


def _as_seen(days: models.Days, column: str) -> str:
    """A column of a row as day ``p._day`` sees it: a point column as whether it falls on
    the day; a span's bound only on the UTC days around it (the one before to the one
    after), where it decides whether the span covers the day's instant (on any other day of
    the span it does; see :func:`_span`)."""
    name = f"r.{ident(column)}"
    if column in days.points:
        return f"CAST({name} AS DATE) IS NOT DISTINCT FROM p._day AS {ident(column)}"
    if any(column in span for span in days.spans):
        return (
            f"CASE WHEN p._day BETWEEN CAST({name} AS DATE) - 1 AND CAST({name} AS DATE) + 1 "
            f"THEN {name} END AS {ident(column)}"
        )
    return name


def appeared_or_vanished(
    con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]
) -> bool:
    """Whether a value of ``columns`` is in ``table`` now and was not before the refresh, or
    the other way round (before = now - new rows + old rows of the changed tickets)."""
    cols = _list(columns)
    counts = con.execute(f"""SELECT count(*) FROM (
        SELECT {cols}, sum(a) AS a, sum(o) AS o, sum(n) AS n FROM (
            SELECT {cols}, 1 AS a, 0 AS o, 0 AS n FROM {table}
            UNION ALL SELECT {cols}, 0, 1, 0 FROM {OLD}{table}
            UNION ALL SELECT {cols}, 0, 0, 1 FROM {NEW}{table})
        GROUP BY {cols})
        WHERE (a > 0) <> (a - n + o > 0)""").fetchall()
    return bool(counts[0][0])


def keys(model: models.Model, days: set[Key]) -> set[Key]:
    """The keys of ``model`` the days fall in: the days, or their weeks' Mondays."""
    if model.grain == "week":
        return {None if d is None else d - timedelta(days=d.weekday()) for d in days}
    return set(days)


def refresh(con: duckdb.DuckDBPyConnection, model: models.Model, keys: set[Key]) -> tuple[int, int]:
    """Delete the model's rows with these keys and insert them recomputed; return the rows
    deleted and inserted. The literal list lets DuckDB push the filter down to the scans."""
    if not keys:
        return 0, 0
    where = _where(str(model.key), keys)
    deleted = scalar(con, f"DELETE FROM {model.name} WHERE {where}")
    inserted = scalar(
        con, f"INSERT INTO {model.name} BY NAME SELECT * FROM ({model.sql}\n) AS q WHERE {where}"
    )
    return deleted, inserted


def count(con: duckdb.DuckDBPyConnection, model: models.Model, keys: set[Key]) -> int:
    """The model's rows with these keys."""
    return scalar(con, f"SELECT count(*) FROM {model.name} WHERE {_where(str(model.key), keys)}")


def recompute(con: duckdb.DuckDBPyConnection, model: models.Model) -> set[Key]:
    """Recompute ``model`` in full and return the keys of the rows that changed."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {OLD}{model.name} AS FROM {model.name}")
    con.execute(f"CREATE OR REPLACE TABLE {model.name} AS {model.sql}")
    cols = _list(r[0] for r in con.execute(f"DESCRIBE {model.name}").fetchall())
    old, new = f"SELECT {cols} FROM {OLD}{model.name}", f"SELECT {cols} FROM {model.name}"
    rows = con.execute(
        f"SELECT DISTINCT {ident(str(model.key))} FROM "
        f"(({old} EXCEPT ALL {new}) UNION ALL ({new} EXCEPT ALL {old}))"
    ).fetchall()
    return {r[0] for r in rows}


def _where(key: str, keys: set[Key]) -> str:
    """``key IN (DATE '...', ...)``, with ``OR key IS NULL`` for the NULL key."""
    days = ", ".join(f"DATE {lit(d.isoformat())}" for d in sorted(k for k in keys if k))
    parts = [f"{ident(key)} IN ({days})" if days else "FALSE"]
    return " OR ".join(parts + ([f"{ident(key)} IS NULL"] if None in keys else []))


def _list(columns: Iterable[str]) -> str:
    return ", ".join(ident(c) for c in columns)
