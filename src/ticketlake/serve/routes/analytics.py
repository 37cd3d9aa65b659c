"""``/api/lifecycle``, ``/api/flow``, ``/api/sla`` and ``/api/themes``: the reads of
``ticketlake lifecycle``, ``flow``, ``sla`` and ``themes`` (ticketlake/analysis.py), one part
per request, a page at a time."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query

from ticketlake.analysis import NO_THEMES, Analysis
from ticketlake.serve.auth import Caller, Viewer
from ticketlake.serve.errors import ApiError
from ticketlake.serve.pages import Limit, Offset, Page, table_page
from ticketlake.serve.snapshot import Reading, Reads

router = APIRouter(tags=["analytics"])
Source = Annotated[str | None, Query(description="Keep one source.")]


class LifecyclePart(StrEnum):
    """The parts of ``ticketlake lifecycle``."""

    summary = "summary"
    distributions = "distributions"


class LifecycleBy(StrEnum):
    """What the lifecycle summary breaks down by, besides source."""

    priority = "priority"
    customer = "customer"
    group = "group"


class FlowPart(StrEnum):
    """The parts of ``ticketlake flow``."""

    summary = "summary"
    time_in_status = "time_in_status"
    transitions = "transitions"
    variants = "variants"


def _where(caller: Caller, source: str | None) -> dict[str, str | tuple[str, ...]]:
    """The source filter of the request: its own source, or the key's sources."""
    allowed = caller.sources_for(source)
    return {} if allowed is None else {"source": allowed}


@router.get("/api/lifecycle/{part}", response_model=Page)
def lifecycle(part: LifecyclePart, caller: Viewer, reading: Reading, reads: Reads,
              source: Source = None, by: LifecycleBy | None = None, limit: Limit = 100,
              offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    """Lifecycle figures per source (and ``by``), or their histograms."""
    parts = reads.lifecycle(_where(caller, source), by.value if by else None,
                            bins=part is LifecyclePart.distributions)  # fmt: skip
    return table_page(reading.build.build_id, parts[part.value], limit, offset)


@router.get("/api/flow/{part}", response_model=Page)
def flow(part: FlowPart, caller: Viewer, reading: Reading, reads: Reads, source: Source = None,
         top: Annotated[int, Query(ge=1, le=1000, description="Busiest transitions and "
                                   "commonest variants kept per source.")] = 10,
         limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    """Process flow: summary, time in status, top transitions or variants per source."""
    parts = reads.flow(_where(caller, source), top)
    return table_page(reading.build.build_id, parts[part.value], limit, offset)


@router.get("/api/sla", response_model=Page)
def sla(caller: Viewer, reading: Reading, reads: Reads, policy: str | None = None,
        source: Source = None, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    """SLA attainment per policy and metric (``ticketlake sla``)."""
    found = reads.sla(policy, False, _where(caller, source))
    return table_page(reading.build.build_id, found, limit, offset)


@router.get("/api/sla/at-risk", response_model=Page)
def at_risk(caller: Viewer, reading: Reading, reads: Reads, policy: str | None = None,
            source: Source = None, priority: str | None = None, group: str | None = None,
            limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    """The SLA at-risk queue, breached first, then by business time left; ``priority`` and
    ``group`` keep the clocks of tickets of that priority and group."""
    given = {"priority": priority, "group_name": group}
    where = {**_where(caller, source), **{k: v for k, v in given.items() if v is not None}}
    found = reads.sla(policy, True, where)
    return table_page(reading.build.build_id, found, limit, offset)


@router.get("/api/themes", response_model=Page)
def themes(caller: Viewer, reading: Reading, reads: Reads, source: Source = None,
           limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    """Per theme of ticket text its tickets and outcomes (``ticketlake themes``): across
    sources (source ``*``), or of ``source``; a key kept to sources gets each of its own."""
    allowed = caller.sources_for(source)
    themed(reads)
    found = reads.theme_outcomes({"source": "*" if allowed is None else allowed})
    return table_page(reading.build.build_id, found, limit, offset)


@router.get("/api/themes/rising", response_model=Page)
def rising(caller: Viewer, reading: Reading, reads: Reads, source: Source = None,
           limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    """The weeks themes rose in (``ticketlake themes --rising``), latest first: in the
    tickets of all sources (source ``*``), or of ``source``; a key kept to sources gets each
    of its own."""
    allowed = caller.sources_for(source)
    themed(reads)
    where = {"source": "*" if allowed is None else allowed}
    return table_page(reading.build.build_id, reads.theme_rising(where), limit, offset)


def themed(reads: Analysis) -> None:
    """404 when the build has no themes (text.enabled is off)."""
    if not reads.has_themes():
        raise ApiError(404, NO_THEMES)
