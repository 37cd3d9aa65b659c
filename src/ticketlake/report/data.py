"""Reading the warehouse for the report: every query runs on one snapshot's connection."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from ticketlake.errors import TicketlakeError

Row = dict[str, Any]


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[Row]:
    """The rows of one query as dictionaries."""
    try:
        table = con.sql(sql).to_arrow_table()
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise TicketlakeError(f"the report could not read the warehouse ({first}); "
                              "run `ticketlake build`") from None  # fmt: skip
    found: list[Row] = table.to_pylist()
    return found


def jsonable(found: list[Row]) -> list[Row]:
    """Rows as chart data: days as ISO text, decimals as floats, floats to 6 significant
    digits (enough for a chart, and a smaller page)."""
    return [{key: _plain(value) for key, value in row.items()} for row in found]


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return float(f"{value:.6g}") if math.isfinite(value) else None
    return value
