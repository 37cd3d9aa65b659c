"""Models are written once, in DuckDB's dialect; this module turns them into Spark SQL.

sqlglot does most of the work. Where its Spark output is not valid Spark, or would not give
the same numbers as DuckDB, a rewrite rule here fixes the parsed tree before it is written
out. The rules are data (:data:`SPARK_RULES`, one entry per construct, with the reason), so
a model never needs a second, Spark-only copy.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlglot
from sqlglot import exp

READ = "duckdb"


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


# Expression type -> rewrite, applied in this order, one pass per rule over the whole tree (so
# a rule also reaches what an earlier rule left inside a rewritten node).
SPARK_RULES: dict[type[exp.Expression], Callable[[exp.Expression], exp.Expression]] = {
    exp.Literal: _double_literal,
    exp.PercentileCont: _percentile,
}


def to_spark(sql: str) -> str:
    """``sql`` (DuckDB dialect) as Spark SQL, with :data:`SPARK_RULES` applied."""
    tree = sqlglot.parse_one(sql, read=READ)
    for kind, rule in SPARK_RULES.items():
        tree = tree.transform(
            lambda node, kind=kind, rule=rule: rule(node) if isinstance(node, kind) else node
        )
    return tree.sql(dialect="spark", pretty=True)
