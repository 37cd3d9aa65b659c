"""SQL models: found from the files, ordered by their references, portable to Spark."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from ticketlake.engine import models
from ticketlake.engine.dialect import to_spark
from ticketlake.engine.models import ModelError, parse
from ticketlake.lake import schema
from ticketlake.lake.schema import SIGHTINGS, empty_select


def test_every_model_transpiles_to_spark() -> None:
    """No model uses DuckDB syntax sqlglot cannot express in Spark SQL."""
    found = models.load()
    assert "tickets" in found
    for model in found.values():
        spark = sqlglot.transpile(model.sql, read="duckdb", write="spark",
                                  unsupported_level=ErrorLevel.RAISE)[0]  # fmt: skip
        assert spark.strip()


def test_materialization_hints_are_duckdb_only() -> None:
    """``AS [NOT] MATERIALIZED`` tells DuckDB how to compute a CTE; Spark SQL does not parse
    it, so the Spark text of a model leaves it out and keeps the CTE."""
    sql = "WITH a AS NOT MATERIALIZED (SELECT 1 AS x), b AS MATERIALIZED (SELECT 2 AS y) "
    assert "MATERIALIZED" not in _code(to_spark(sql + "SELECT x, y FROM a, b"))
    assert sqlglot.parse_one(to_spark(sql + "SELECT x FROM a"), read="spark").find(exp.CTE)
    hinted = [m for m in models.load().values() if "MATERIALIZED" in _code(m.sql, "duckdb")]
    assert "lifecycle_distribution" in [m.name for m in hinted]
    assert all("MATERIALIZED" not in _code(to_spark(m.sql)) for m in hinted)


def _code(sql: str, dialect: str = "spark") -> str:
    """``sql`` without its comments, upper case."""
    return sqlglot.parse_one(sql, read=dialect).sql(dialect=dialect, comments=False).upper()


def test_order_follows_references_not_a_list() -> None:
    """A model comes after every model it reads; CTE names are not dependencies."""
    graph = {
        "c": parse("c", "mart", "SELECT * FROM b JOIN a USING (id)"),
        "a": parse("a", "mart", "WITH x AS (SELECT * FROM ticket_events) SELECT * FROM x"),
        "b": parse("b", "mart", "SELECT * FROM a"),
    }
    assert [m.name for m in models.order(graph)] == ["a", "b", "c"]
    assert [m.name for m in models.order(graph, select="b")] == ["a", "b"]
    assert graph["a"].reads == {"ticket_events"}


@pytest.mark.parametrize(
    ("sqls", "message"),
    [
        ({"a": "SELECT * FROM nowhere"}, "reads nowhere"),
        ({"a": "SELECT * FROM b", "b": "SELECT * FROM a"}, "cycle"),
        ({"a": "SELEC * FROM"}, "does not parse"),
    ],
)
def test_bad_models_are_one_line_errors(sqls: dict[str, str], message: str) -> None:
    """Unknown tables, cycles and syntax errors name the model."""
    with pytest.raises(ModelError, match=message):
        models.order({n: parse(n, "mart", sql) for n, sql in sqls.items()})
    assert models.order({}) == []


def _events(con: duckdb.DuckDBPyConnection, rows: list[dict[str, object]]) -> None:
    cols = ", ".join(f"{c} {t}" for c, t in schema.TICKET_EVENTS.items())
    con.execute(f"CREATE TABLE ticket_events ({cols})")
    for row in rows:
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"INSERT INTO ticket_events ({names}) VALUES ({marks})", list(row.values()))


def test_tickets_model_golden() -> None:
    """Current state by hand: last status wins, reported counters override counted reopens."""
    base = {"source": "s", "ticket_id": "A", "batch_seq": 1}
    con = duckdb.connect()
    _events(con, [
        {**base, "event_time": "2024-01-01 09:00", "event_type": "created", "status": "New",
         "status_category": "new", "priority_raw": "High", "priority": "P2", "source_line": 2},
        {**base, "event_time": "2024-01-01 10:00", "event_type": "responded", "status": None,
         "group_name": "L1", "source_line": 3},
        {**base, "event_time": "2024-01-02 09:00", "event_type": "resolved", "status": "Resolved",
         "status_category": "resolved", "source_line": 4},
        {**base, "event_time": "2024-01-03 09:00", "event_type": "reopened", "status": "Reopened",
         "status_category": "open", "group_name": "L2", "source_line": 5},
        {**base, "event_time": "2024-01-04 09:00", "event_type": "resolved", "status": None,
         "source_line": 6},
        {**base, "ticket_id": "B", "event_time": "2024-01-05 08:00", "event_type": "updated",
         "status": "Open", "status_category": "open", "reopen_count": 2, "source_line": 7},
    ])  # fmt: skip
    con.execute(f"CREATE TABLE ticket_sightings AS {empty_select(SIGHTINGS)}")
    con.execute(f"CREATE VIEW tickets AS {models.load()['tickets'].sql}")
    rows = con.execute("""SELECT ticket_id, strftime(created_at, '%d %H'), strftime(first_response_at, '%d %H'),
            strftime(first_resolved_at, '%d %H'), strftime(resolved_at, '%d %H'), status,
            status_category, priority, group_name, reopen_count, events
        FROM tickets ORDER BY ticket_id""").fetchall()  # fmt: skip
    assert rows == [
        ("A", "01 09", "01 10", "02 09", "04 09", "Reopened", "open", "P2", "L2", 1, 5),
        ("B", "05 08", None, None, None, "Open", "open", "unknown", None, 2, 1),
    ]
