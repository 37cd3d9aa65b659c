"""``/api/ledger``, ``/api/ledger/sources``, ``/api/mapping`` and ``/api/quarantine`` (admin).

The ledger and the quarantine are the lake's (``ticketlake status``, ``quarantine``): they
are read from the lake's latest committed state, itself one consistent version, not from the
build. Mapping health (``ticketlake check``) judges the lake with the request's build. A
source-restricted key sees its sources' rows only; lake-wide totals are left out for it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from ticketlake.project import Project
from ticketlake.serve import snapshot
from ticketlake.serve.auth import Admin, Caller
from ticketlake.serve.errors import ApiError
from ticketlake.serve.pages import Limit, Offset, Page, page, plain
from ticketlake.serve.snapshot import Reading

router = APIRouter(tags=["ledger"])
Served = Annotated[Project, Depends(snapshot.project)]
Source = Annotated[str | None, Query(description="Keep one source.")]


class Ledger(Page):
    """A page of the ledger's batches, with the lake's totals."""

    totals: dict[str, int] | None = Field(description="Files, rows and events of the whole "
                                          "lake; null for a source-restricted key.")  # fmt: skip


class Mapping(BaseModel):
    """Mapping health, as ``ticketlake check --format json`` reports it."""

    build: str = Field(description="The published build it was judged with.")
    health: dict[str, Any] = Field(description="The health report.")


def _mine(caller: Caller, source: str | None, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    allowed = caller.sources_for(source)
    return rows if allowed is None else [r for r in rows if r.get("source") in allowed]


@router.get("/api/ledger", response_model=Ledger)
def ledger(caller: Admin, reading: Reading, project: Served, source: Source = None,
           limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    """The ingestion ledger's batches (oldest first) and totals (``ticketlake status``)."""
    found = project.status()
    batches = _mine(caller, source, found["batches"])
    whole = caller.sources is None and source is None
    return page(reading.build.build_id, batches, limit, offset,
                totals=found["totals"] if whole else None)  # fmt: skip


@router.get("/api/ledger/sources", response_model=Page)
def ledger_sources(caller: Admin, reading: Reading, project: Served, source: Source = None,
                   limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    """Per source: files, rows in, loaded, quarantined, last batch and warnings."""
    rows = _mine(caller, source, project.ledger_summary(build=reading))
    return page(reading.build.build_id, rows, limit, offset)


@router.get("/api/mapping", response_model=Mapping)
def mapping(caller: Admin, reading: Reading, project: Served, source: Source = None) -> Mapping:
    """Mapping health per source (``ticketlake check``); a key of several sources but not
    all names one."""
    allowed = caller.sources_for(source)
    if allowed is not None and len(allowed) != 1:
        raise ApiError(400, "this key reads several sources: give source=NAME")
    found = project.health(allowed[0] if allowed else None, build=reading)
    return Mapping(build=reading.build.build_id, health=plain([found.as_dict()])[0])


@router.get("/api/quarantine", response_model=Page)
def quarantine(caller: Admin, reading: Reading, project: Served, source: Source = None,
               batch: str | None = None, released: bool = False, limit: Limit = 100,
               offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    """Rows kept out of the lake, with file, line, column, error class, reason and raw
    text; only open ones unless ``released``."""
    rows = _mine(caller, source, project.quarantine(batch, released))
    return page(reading.build.build_id, rows, limit, offset)
