"""``/api/kpis``: the KPI catalog and one KPI, with the CLI's ``by``, ``from``, ``to``, ``where``.

The same catalog and the same SQL as ``ticketlake kpis NAME --format json``
(ticketlake/analysis.py, kpis/query.py): the rows equal the CLI's for the same arguments. A
source-restricted key gets its sources as a filter (and 403 for ``where=source=`` another).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from ticketlake import kpis as catalog
from ticketlake.serve.auth import Viewer
from ticketlake.serve.pages import Limit, Offset, Page, Where, pairs, table_page
from ticketlake.serve.snapshot import Reading, Reads

router = APIRouter(tags=["kpis"])


class KpiInfo(BaseModel):
    """One KPI of the catalog (docs/metrics.md defines each)."""

    name: str = Field(description="The name to ask for.")
    unit: str = Field(description="What its measures count.")
    summary: str = Field(description="Its definition in one line.")
    table: str = Field(description="The warehouse table that materialises it.")
    by: list[str] = Field(description="What it breaks down by (empty: a fixed grain).")
    fixed: bool = Field(description="Whether its grain is fixed (no `by`).")


class KpiPage(Page):
    """A page of one KPI's rows."""

    kpi: str = Field(description="The KPI.")
    unit: str = Field(description="What its measures count.")
    notes: list[str] = Field(description="What a reader must know to read the rows right.")


@router.get("/api/kpis", response_model=list[KpiInfo])
def list_kpis(_caller: Viewer) -> list[KpiInfo]:
    """Every KPI of the catalog."""
    return [KpiInfo(name=k.name, unit=k.unit, summary=k.summary, table=k.table,
                    by=[] if k.fixed else k.by_names(), fixed=k.fixed)
            for k in catalog.CATALOG.values()]  # fmt: skip


@router.get("/api/kpis/{name}", response_model=KpiPage)
def kpi(
    name: str,
    caller: Viewer,
    reading: Reading,
    reads: Reads,
    by: Annotated[list[str] | None, Query(description="Break down by (repeatable).")] = None,
    start: Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, Query(alias="to", description="Last day, YYYY-MM-DD.")] = None,
    where: Where = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """One KPI, as ``ticketlake kpis NAME --by .. --from .. --to .. --where DIM=VALUE``."""
    found = catalog.get(name)
    filters: dict[str, str | tuple[str, ...]] = dict(pairs(where))
    asked = filters.get("source")
    allowed = caller.sources_for(asked if isinstance(asked, str) else None)
    if allowed is not None and asked is None:
        filters["source"] = allowed
    first, last = catalog.day(start, "from"), catalog.day(end, "to")
    rows = reads.kpi(name, by, first, last, filters)
    notes = reads.kpi_notes(name, by, first, last, filters)
    return table_page(reading.build.build_id, rows, limit, offset, kpi=found.name,
                      unit=found.unit, notes=notes)  # fmt: skip
