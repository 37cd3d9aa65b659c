"""Equivalence checks: a reference's figures against ticketlake's (the lifecycle figures of
the snapshots, the headline figures of the tickets and events), and an incremental warehouse
against a full rebuild, table by table. Counts must be equal; floating-point values equal to
1e-9 relative (sums in another order differ in the last bits). The warehouse is read through
SQL on a read-only connection, whatever its tables are stored as."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

REL = 1e-9
SUMMARY_COUNTS = ("tickets", "closed", "cancelled", "vanished", "still_open", "update_intervals",
                  "lagged_updates")  # fmt: skip
DAILY = ("created", "resolved", "open_tickets")

# ticketlake's headline figures of one source: the ticket count and resolution hours from
# fact_ticket, the volume and backlog per day summed over their other dimensions.
HEADLINE_SUMMARY = """
SELECT count(*) AS tickets, count(resolution_hours) AS resolved,
       median(resolution_hours) AS median_resolution_hours,
       avg(resolution_hours) AS mean_resolution_hours
FROM fact_ticket WHERE source = $source
"""
HEADLINE_DAILY = """
WITH volume AS (
    SELECT day, sum(created) AS created, sum(resolved) AS resolved
    FROM kpi_volume_daily WHERE source = $source GROUP BY day
),
backlog AS (
    SELECT day, sum(open_tickets) AS open_tickets
    FROM kpi_backlog_daily WHERE source = $source GROUP BY day
)
SELECT strftime(day, '%Y-%m-%d') AS day, CAST(coalesce(created, 0) AS BIGINT) AS created,
       CAST(coalesce(resolved, 0) AS BIGINT) AS resolved,
       CAST(coalesce(open_tickets, 0) AS BIGINT) AS open_tickets
FROM volume FULL JOIN backlog USING (day)
ORDER BY day
"""


def close(x: Any, y: Any) -> bool:
    """Equal, or both floats equal to ``REL`` relative."""
    if isinstance(x, float) or isinstance(y, float):
        if x is None or y is None:
            return x is y
        return math.isclose(x, y, rel_tol=REL, abs_tol=1e-12)
    return bool(x == y)


def ticketlake_lifecycle(warehouse: Path, source: str) -> dict[str, Any]:
    """``lifecycle_summary`` and the whole-source ``lifecycle_distribution`` rows of a source."""
    con = duckdb.connect(str(warehouse.resolve()), read_only=True)
    try:
        cursor = con.execute("SELECT * EXCLUDE (source) FROM lifecycle_summary WHERE source = ?",
                             [source])  # fmt: skip
        names = [d[0] for d in cursor.description or ()]
        summary = dict(zip(names, cursor.fetchall()[0], strict=True))
        cursor = con.execute(
            "SELECT measure, bin, bin_start, bin_end, CAST(values_in_bin AS BIGINT), kde_density,"
            " kde_count, kde_error_bound FROM lifecycle_distribution WHERE source = ? "
            "AND dimension = 'all' ORDER BY measure, bin", [source])  # fmt: skip
        names = ["measure", "bin", "bin_start", "bin_end", "values_in_bin", "kde_density",
                 "kde_count", "kde_error_bound"]  # fmt: skip
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()
    return {"summary": summary, "distribution": rows}


def ticketlake_headline(warehouse: Path, source: str) -> dict[str, Any]:
    """The headline figures of a source: ``summary`` (tickets, resolved, median and mean
    resolution hours) and ``daily`` (created, resolved and open tickets per day)."""
    con = duckdb.connect(str(warehouse.resolve()), read_only=True)
    try:
        summary = _records(con, HEADLINE_SUMMARY, source)[0]
        return {"summary": summary, "daily": _records(con, HEADLINE_DAILY, source)}
    finally:
        con.close()


def _records(con: duckdb.DuckDBPyConnection, sql: str, source: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql, {"source": source})
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def headline_mismatches(want: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Where ``got`` (a reference's headline figures) differs from ``want`` (ticketlake's).
    Days on which a measure is 0 are the same as days without a row."""
    problems = _summary_mismatches(want["summary"], got["summary"], ("tickets", "resolved"))
    for measure in DAILY:
        ours, theirs = _per_day(want["daily"], measure), _per_day(got["daily"], measure)
        for day in sorted(set(ours) | set(theirs)):
            if ours.get(day, 0) != theirs.get(day, 0):
                problems.append(
                    f"{measure} on {day}: ticketlake {ours.get(day, 0)}, "
                    f"baseline {theirs.get(day, 0)}"
                )
    return problems[:50]


def _summary_mismatches(
    want: dict[str, Any], got: dict[str, Any], counts: tuple[str, ...]
) -> list[str]:
    """Summary values that differ: ``counts`` exactly, the others to ``REL``."""
    problems = []
    for name, value in want.items():
        other = got.get(name)
        exact = name in counts
        if (exact and value != other) or (not exact and not close(value, other)):
            problems.append(f"summary.{name}: ticketlake {value!r}, baseline {other!r}")
    return problems


def _per_day(rows: list[dict[str, Any]], measure: str) -> dict[str, int]:
    return {str(r["day"]): int(r[measure]) for r in rows if r[measure]}


def lifecycle_mismatches(want: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Where ``got`` (a baseline's figures) differs from ``want`` (ticketlake's)."""
    problems = _summary_mismatches(want["summary"], got["summary"], SUMMARY_COUNTS)
    bins = {(r["measure"], r["bin"]): r for r in got["distribution"]}
    if len(bins) != len(want["distribution"]):
        problems.append(f"distribution: {len(want['distribution'])} bins in ticketlake, "
                        f"{len(bins)} in the baseline")  # fmt: skip
    counts = _values_per_measure(want["distribution"])
    for row in want["distribution"]:
        other = bins.get((row["measure"], row["bin"]))
        for column, value in row.items():
            if column == "kde_error_bound":
                continue
            if other is None or not _density_close(row, column, value, other.get(column),
                                                   counts[row["measure"]]):  # fmt: skip
                problems.append(f"distribution {row['measure']} bin {row['bin']} {column}: "
                                f"ticketlake {value!r}, baseline {other and other.get(column)!r}")  # fmt: skip
    return problems[:50]


def _values_per_measure(rows: list[dict[str, Any]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for r in rows:
        found[r["measure"]] = found.get(r["measure"], 0) + int(r["values_in_bin"])
    return found


def _density_close(row: dict[str, Any], column: str, ours: Any, theirs: Any, n: int) -> bool:
    """ticketlake's density comes from pre-binned cells (docs/metrics.md): it may differ from
    an exact baseline by up to its row's ``kde_error_bound`` (times n and the bin width for
    ``kde_count``); every other value to ``REL``."""
    if column not in ("kde_density", "kde_count") or ours is None or theirs is None:
        return close(ours, theirs)
    bound = float(row.get("kde_error_bound") or 0.0)
    if column == "kde_count":
        bound *= n * (row["bin_end"] - row["bin_start"])
    return abs(ours - theirs) <= bound + REL * abs(theirs) + 1e-12


@dataclass(frozen=True)
class Check:
    """How a shape's reference figures are read from ticketlake's warehouse and compared."""

    name: str
    read: Callable[[Path, str], dict[str, Any]]
    mismatches: Callable[[dict[str, Any], dict[str, Any]], list[str]]


_HEADLINE = Check("headline", ticketlake_headline, headline_mismatches)
CHECKS = {
    "snapshots": Check("lifecycle", ticketlake_lifecycle, lifecycle_mismatches),
    "tickets": _HEADLINE,
    "events": _HEADLINE,
}


def warehouses(incremental: Path, full: Path, limit: int = 500_000) -> dict[str, Any]:
    """Compare every table (state tables ``_*`` left out) of two warehouse files.

    Rows equal in every column cancel in SQL (``EXCEPT ALL`` both ways); what is left on each
    side is matched in Python with floats compared to ``REL`` relative. Fails when more than
    ``limit`` rows are left on a side.
    """
    con = duckdb.connect()
    con.execute(f"ATTACH '{incremental}' AS inc (READ_ONLY)")
    con.execute(f"ATTACH '{full}' AS ful (READ_ONLY)")
    try:
        names = {db: _tables(con, db) for db in ("inc", "ful")}
        report: dict[str, Any] = {"tables": len(names["ful"]), "rows": 0, "mismatches": []}
        if set(names["inc"]) != set(names["ful"]):
            report["mismatches"].append(
                f"tables differ: {sorted(set(names['inc']) ^ set(names['ful']))}"
            )
        for table in sorted(set(names["inc"]) & set(names["ful"])):
            problem, rows = _table(con, table, names["inc"][table], names["ful"][table], limit)
            report["rows"] += rows
            if problem:
                report["mismatches"].append(problem)
        report["equal"] = not report["mismatches"]
        return report
    finally:
        con.close()


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = ? "
        "AND NOT starts_with(table_name, '_') ORDER BY table_name, column_index",
        [db],
    ).fetchall()
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        found.setdefault(table, []).append((column, kind))
    return found


def _table(con: duckdb.DuckDBPyConnection, table: str, inc: list[tuple[str, str]],
           ful: list[tuple[str, str]], limit: int) -> tuple[str | None, int]:  # fmt: skip
    if inc != ful:
        return f"{table}: columns differ: {inc} vs {ful}", 0
    counts = [con.execute(f'SELECT count(*) FROM {db}."{table}"').fetchall()[0][0]
              for db in ("inc", "ful")]  # fmt: skip
    if counts[0] != counts[1]:
        return f"{table}: {counts[0]} rows incremental, {counts[1]} full", counts[1]
    left = [con.execute(f'SELECT * FROM (FROM {a}."{table}" EXCEPT ALL FROM {b}."{table}") '
                        f"LIMIT {limit + 1}").fetchall()
            for a, b in (("inc", "ful"), ("ful", "inc"))]  # fmt: skip
    if len(left[0]) > limit or len(left[1]) > limit:
        return f"{table}: more than {limit} rows differ", counts[1]
    floats = [i for i, (_, kind) in enumerate(ful) if kind in ("DOUBLE", "FLOAT")]
    a_rows = sorted(left[0], key=lambda r: _sort_key(r, floats))
    b_rows = sorted(left[1], key=lambda r: _sort_key(r, floats))
    for a, b in zip(a_rows, b_rows, strict=True):
        if not all(close(x, y) for x, y in zip(a, b, strict=True)):
            return f"{table}: incremental row {a} != full row {b}", counts[1]
    return None, counts[1]


def _sort_key(row: tuple[Any, ...], floats: list[int]) -> tuple[Any, ...]:
    """Exact columns first, then floats rounded, so float noise does not change the order."""
    exact = [v for i, v in enumerate(row) if i not in floats]
    approx = [float(f"{row[i]:.6g}") if row[i] is not None else None for i in floats]
    return tuple((v is None, repr(v) if isinstance(v, dict | list) else v if v is not None else 0)
                 for v in [*exact, *approx])  # fmt: skip
