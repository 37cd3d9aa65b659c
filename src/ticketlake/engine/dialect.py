"""Models are written once, in DuckDB's dialect; this module turns them into Spark SQL.

sqlglot does most of the work. Where its Spark output is not valid Spark, or would not give
the same numbers as DuckDB, a rewrite rule here fixes the parsed tree before it is written
out. The rules are data (:data:`SPARK_RULES`, one entry per construct, with the reason), so
a model never needs a second, Spark-only copy.

Local time, the one definition. Timestamps are stored as naive UTC instants; a model that
needs the wall time of an instant in a time zone (the local day a ticket was created on, a
local week) writes DuckDB's ICU functions in exactly one of two shapes:

- ``timezone(zone, timezone('UTC', ts))``: the local (naive) time that UTC instant ``ts``
  shows in ``zone``; ``CAST(... AS DATE)`` of it is the local day. Unambiguous.
- ``timezone('UTC', timezone(zone, wall))``: the UTC instant of local wall time ``wall`` in
  ``zone`` (the backlog cut-off). A wall time a daylight-saving change skips is read with
  the offset in force before the change (02:30 on Berlin's spring-forward night is 01:30
  UTC, i.e. 03:30 summer time); one it repeats means its later occurrence (02:30 on the
  autumn night is 01:30 UTC, standard time). That is ICU's rule; Spark's
  ``to_utc_timestamp`` takes the earlier occurrence, so its rewrite moves to the later one.

:data:`SPARK_RULES` turns the two shapes into ``from_utc_timestamp(ts, zone)`` and the
``to_utc_timestamp`` expression of :func:`_utc_time` (the Spark session's time zone is UTC,
engine/spark.py), and refuses any other use of ``timezone()``. :func:`local_time` and
:func:`utc_time` write the shapes for SQL that Python code generates.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlglot
from sqlglot import exp

from ticketlake.errors import TicketlakeError

READ = "duckdb"
UTC = "'UTC'"


class DialectError(TicketlakeError):
    """A model uses ``timezone()`` in a shape the Spark rules do not know."""


def local_time(ts: str, zone: str) -> str:
    """SQL (DuckDB) of the local wall time UTC instant ``ts`` shows in ``zone``."""
    return f"timezone({zone}, timezone({UTC}, {ts}))"


def local_day(ts: str, zone: str) -> str:
    """SQL (DuckDB) of the local day of UTC instant ``ts`` in ``zone``."""
    return f"CAST({local_time(ts, zone)} AS DATE)"


def utc_time(wall: str, zone: str) -> str:
    """SQL (DuckDB) of the UTC instant of local wall time ``wall`` in ``zone``."""
    return f"timezone({UTC}, timezone({zone}, {wall}))"


def _percentile(node: exp.Expression) -> exp.Expression:
    """``quantile_cont(x, p)``: Spark's exact ``percentile`` interpolates linearly between
    the closest ranks, as DuckDB does; ``percentile_cont(x, p)`` is not valid Spark."""
    return exp.Anonymous(this="PERCENTILE", expressions=[node.this, node.expression])


def _double_literal(node: exp.Expression) -> exp.Expression:
    """``100.0``: a DECIMAL in both engines, but Spark keeps DECIMAL through division where
    DuckDB gives DOUBLE; a DOUBLE literal makes both compute in floating point."""
    if isinstance(node, exp.Literal) and not node.is_string and "." in node.this:
        return exp.Cast(this=node.copy(), to=exp.DataType.build("DOUBLE"))
    return node


def _is_utc(node: exp.Expression) -> bool:
    return isinstance(node, exp.Literal) and node.is_string and node.this.upper() == "UTC"


def _timezone_args(node: exp.Expression) -> list[exp.Expression] | None:
    """The two arguments of a ``timezone(a, b)`` call, else None."""
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "timezone":
        if len(node.expressions) == 2:
            return list(node.expressions)
        raise DialectError(f"timezone() takes two arguments: {node.sql(dialect=READ)}")
    return None


def _timezone(node: exp.Expression) -> exp.Expression:
    """The two shapes of local time (module docstring) as Spark's conversions."""
    outer = _timezone_args(node)
    if outer is None:
        return node
    inner = _timezone_args(outer[1])
    if inner is not None and _is_utc(inner[0]):  # timezone(zone, timezone('UTC', ts))
        return exp.Anonymous(this="FROM_UTC_TIMESTAMP", expressions=[inner[1], outer[0]])
    if inner is not None and _is_utc(outer[0]):  # timezone('UTC', timezone(zone, wall))
        return _utc_time(inner[1], inner[0])
    raise DialectError(
        "timezone() is used only as timezone(zone, timezone('UTC', ts)) or "
        f"timezone('UTC', timezone(zone, wall)) (engine/dialect.py): {node.sql(dialect=READ)}"
    )


def _utc_time(wall: exp.Expression, zone: exp.Expression) -> exp.Expression:
    """``to_utc_timestamp(wall, zone)``, moved to the later occurrence of a repeated wall
    time as DuckDB's ICU gives it: when the offset a day later is smaller by d, the instant
    d later shows the same wall time too (the clocks went back in between), and is taken."""
    first = exp.Anonymous(this="TO_UTC_TIMESTAMP", expressions=[wall.copy(), zone.copy()])
    later = exp.Paren(
        this=exp.Add(
            this=first.copy(),
            expression=exp.Interval(this=exp.Literal.string("1"), unit=exp.var("DAY")),
        )
    )

    def offset(instant: exp.Expression) -> exp.Expression:
        shown = exp.Anonymous(this="FROM_UTC_TIMESTAMP", expressions=[instant.copy(), zone.copy()])
        return exp.Paren(this=exp.Sub(this=shown, expression=instant.copy()))

    moved = exp.Add(
        this=first.copy(),
        expression=exp.Paren(this=exp.Sub(this=offset(first), expression=offset(later))),
    )
    shows = exp.Anonymous(this="FROM_UTC_TIMESTAMP", expressions=[moved.copy(), zone.copy()])
    return exp.Case(
        ifs=[exp.If(this=exp.EQ(this=shows, expression=wall.copy()), true=moved)], default=first
    )


def _cte(node: exp.Expression) -> exp.Expression:
    """A CTE without DuckDB's ``[NOT] MATERIALIZED`` hint, which Spark does not parse (it
    plans each CTE itself); the hint changes how DuckDB computes the rows, never which."""
    node.set("materialized", None)
    return node


# Expression type -> rewrite, applied in this order, one pass per rule over the whole tree (so
# a rule also reaches what an earlier rule left inside a rewritten node).
SPARK_RULES: dict[type[exp.Expression], Callable[[exp.Expression], exp.Expression]] = {
    exp.Literal: _double_literal,
    exp.PercentileCont: _percentile,
    exp.Anonymous: _timezone,
    exp.CTE: _cte,
}


def to_spark(sql: str) -> str:
    """``sql`` (DuckDB dialect) as Spark SQL, with :data:`SPARK_RULES` applied."""
    tree = sqlglot.parse_one(sql, read=READ)
    for kind, rule in SPARK_RULES.items():
        tree = tree.transform(
            lambda node, kind=kind, rule=rule: rule(node) if isinstance(node, kind) else node
        )
    return tree.sql(dialect="spark", pretty=True)
