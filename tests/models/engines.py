"""One model's SQL run on small Arrow tables standing in for its inputs, on DuckDB or on Spark
(transpiled as a Spark build does, engine/dialect.py), with the rows given back alike: a dict
per row, timestamps as naive UTC datetimes. The SLA model tests run their golden cases and
reference comparisons through it on both engines."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import duckdb
import pyarrow as pa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ticketlake.engine import models
from ticketlake.engine import spark as engine

Run = Callable[[str, Mapping[str, pa.Table]], list[dict[str, Any]]]
ENGINES = ("duckdb", "spark")
T = TypeVar("T")


def on_duckdb(con: duckdb.DuckDBPyConnection) -> Run:
    """Runs a model in ``con`` (session time zone UTC) on the tables, registered as views."""

    def run(model: str, tables: Mapping[str, pa.Table]) -> list[dict[str, Any]]:
        for name, table in tables.items():
            con.register(name, table)
        try:
            result = con.execute(models.load()[model].sql)
            names = [d[0] for d in result.description]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        finally:
            for name in tables:
                con.unregister(name)

    return run


def on_spark(spark: Any) -> Run:
    """Runs a model's Spark SQL in the session ``spark`` on the tables, as temporary views."""

    def run(model: str, tables: Mapping[str, pa.Table]) -> list[dict[str, Any]]:
        engine.register(spark, tables)
        found = spark.sql(models.load()[model].transpile("spark")).toArrow()
        return [{k: _naive(v) for k, v in row.items()} for row in found.to_pylist()]

    return run


def _naive(value: object) -> object:
    """A Spark TIMESTAMP (with a time zone in Arrow) as the naive UTC datetime DuckDB gives."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def drawn(strategy: st.SearchStrategy[T], n: int) -> list[T]:
    """``n`` examples of ``strategy`` drawn by hypothesis, the simplest first, for a test that
    checks them all in one query (a Spark query takes seconds). Nothing shrinks: a failing
    assertion names its case."""
    found: list[T] = []

    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(strategy)
    def collect(value: T) -> None:
        found.append(value)

    collect()
    return found
