"""``/api/tables``: the build's tables with row counts, a table's rows, and downloads.

A viewer reads the mart, KPI, lifecycle, flow and SLA tables (every model but the canonical
ones, as ``ticketlake export`` writes); an admin every table of the build (also the
canonical ``tickets``, the ledger and the settings tables). A source-restricted key reads
only tables with a ``source`` column, and of them only its sources' rows. Downloads (admin)
are CSV, every text cell formula-safe by the rule of ``ticketlake export``
(common/cells.py), or Parquet.
"""

from __future__ import annotations

import io
from enum import StrEnum
from typing import Annotated, Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ticketlake.common import duck
from ticketlake.common.sqltext import ident, lit
from ticketlake.engine import export, models
from ticketlake.engine.reader import catalog_query
from ticketlake.engine.warehouse import Snapshot
from ticketlake.serve.auth import Admin, Caller, Viewer
from ticketlake.serve.errors import ApiError
from ticketlake.serve.pages import Limit, Offset, Page, Where, page, pairs
from ticketlake.serve.snapshot import Reading

router = APIRouter(tags=["tables"])
TableName = Annotated[str, Path(description="A table of the build, as /api/tables lists it.")]
_VIEWER = frozenset(name for name, m in models.load().items() if m.layer != "canonical")


class TableInfo(BaseModel):
    """One table of the build."""

    table: str = Field(description="Its name.")
    rows: int = Field(description="Its rows (those of the key's sources).")


class Download(StrEnum):
    """The file formats of a download."""

    csv = "csv"
    parquet = "parquet"


@router.get("/api/tables", response_model=list[TableInfo])
def list_tables(caller: Viewer, reading: Reading) -> list[TableInfo]:
    """The tables this key may read, with their row counts in the build (for a
    source-restricted key, of its sources' rows)."""
    shown = [n for n in sorted(reading.build.tables) if _visible(caller, reading, n)]
    if caller.sources is None or not shown:
        return [TableInfo(table=n, rows=reading.build.tables[n].rows) for n in shown]
    counts = " UNION ALL ".join(f"SELECT {lit(n)} AS t, count(*) AS n FROM {ident(n)} WHERE "
                                f"{caller.condition(None)}" for n in shown)  # fmt: skip
    found = catalog_query(reading.con, f"SELECT * FROM ({counts}) ORDER BY t").to_pylist()
    return [TableInfo(table=r["t"], rows=r["n"]) for r in found]


@router.get("/api/tables/{table}", response_model=Page)
def rows(table: TableName, caller: Viewer, reading: Reading, source: str | None = None,
         where: Where = None, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    """A page of a table's rows, those whose columns equal ``where`` (COLUMN=VALUE)."""
    condition = scope(caller, reading, table, source, pairs(where))
    count = catalog_query(
        reading.con, f"SELECT count(*) AS n FROM {ident(table)} WHERE {condition}"
    )
    found = catalog_query(reading.con, f"SELECT * FROM {ident(table)} WHERE {condition} "
                          f"ORDER BY ALL LIMIT {limit} OFFSET {offset}")  # fmt: skip
    return page(reading.build.build_id, found.to_pylist(), limit, offset,
                int(count.column(0)[0].as_py()))  # fmt: skip


@router.get("/api/tables/{table}/download", response_class=Response,
            responses={200: {"content": {"text/csv": {}, "application/vnd.apache.parquet": {}},
                             "description": "The table's rows as a file."}})  # fmt: skip
def download(table: TableName, caller: Admin, reading: Reading,
             format: Annotated[Download, Query(description="csv or parquet.")] = Download.csv,
             source: str | None = None) -> Response:  # fmt: skip
    """The table (of ``source``, or the key's sources) as a CSV or Parquet file."""
    condition = scope(caller, reading, table, source, {})
    name = f"{table}.{format.value}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format is Download.csv:
        select = export.neutralised(reading.con, table)
        data = catalog_query(reading.con, f"SELECT * FROM ({select}) WHERE {condition}")
        return Response(_csv(data), media_type="text/csv; charset=utf-8", headers=headers)
    data = catalog_query(reading.con, f"SELECT * FROM {ident(table)} WHERE {condition}")
    out = io.BytesIO()
    pq.write_table(data, out, compression="zstd")
    return Response(out.getvalue(), media_type="application/vnd.apache.parquet", headers=headers)


def scope(caller: Caller, reading: Snapshot, table: str, source: str | None,
          where: dict[str, str]) -> str:  # fmt: skip
    """The condition on ``table``'s rows the request may read: 404 for a table the build
    lacks, 403 for one the key may not read, 400 for a column the table lacks."""
    if table not in reading.build.tables or table.startswith("_"):
        raise ApiError(404, f"no table named {table!r}; GET /api/tables lists them")
    if not _visible(caller, reading, table):
        raise ApiError(403, f"key {caller.name!r} may not read table {table!r}")
    columns = _columns(reading, table)
    for name in where:
        if name not in columns:
            raise ApiError(400, f"{table} has no column {name!r}; columns: {', '.join(columns)}")
    textual = {f"CAST({ident(k)} AS VARCHAR)": v for k, v in where.items()}
    condition = " AND ".join(f"{k} = {lit(v)}" for k, v in textual.items()) or "true"
    if "source" in columns:
        condition += f" AND {caller.condition(source)}"
    elif source is not None:
        raise ApiError(400, f"{table} has no source column; drop the source parameter")
    return condition


def _visible(caller: Caller, reading: Snapshot, table: str) -> bool:
    """Whether ``caller`` may read ``table`` at all."""
    if table.startswith("_") or (caller.role != "admin" and table not in _VIEWER):
        return False
    return caller.sources is None or "source" in _columns(reading, table)


def _columns(reading: Snapshot, table: str) -> list[str]:
    return [name for name, _kind in duck.column_types(reading.con, table)]


def _csv(data: pa.Table) -> bytes:
    out = io.BytesIO()
    pa_csv.write_csv(data, out)
    return out.getvalue()
