"""``/api/tickets``: ticket search and one ticket's drill-down (events, SLA clocks, links).

Search reads ``fact_ticket`` (id, external id or title substring, status, priority, group,
category, source, creation days); a ticket's page
joins its ``fact_ticket`` row, its events (``fact_ticket_event``, in order), its SLA clocks
(``fact_sla``), its labels (``bridge_ticket_label``) and the links from or to it
(``bridge_ticket_link``), all from the request's one build.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from ticketlake.analysis import equal
from ticketlake.common.sqltext import lit
from ticketlake.engine.reader import catalog_query
from ticketlake.engine.warehouse import Snapshot
from ticketlake.serve.auth import Viewer
from ticketlake.serve.errors import ApiError
from ticketlake.serve.pages import Limit, Offset, Page, page, plain
from ticketlake.serve.snapshot import Reading

router = APIRouter(tags=["tickets"])
LISTED = ("source", "ticket_id", "external_id", "title", "status", "status_category",
          "priority", "group_name", "assignee", "category", "created_at", "resolved_at",
          "is_open")  # fmt: skip


class Ticket(BaseModel):
    """One ticket with everything the build knows about it."""

    build: str = Field(description="The published build it was read from.")
    ticket: dict[str, Any] = Field(description="Its fact_ticket row.")
    events: list[dict[str, Any]] = Field(
        description="Its events, in order (fact_ticket_event), "
        "from events_offset, at most events_limit."
    )
    events_total: int = Field(description="How many events it has in all.")
    sla: list[dict[str, Any]] = Field(description="Its SLA clocks (fact_sla).")
    labels: list[str] = Field(description="Its current labels.")
    links: list[dict[str, Any]] = Field(description="Links from or to it (bridge_ticket_link).")


@router.get("/api/tickets", response_model=Page)
def search(
    caller: Viewer,
    reading: Reading,
    q: Annotated[str | None, Query(max_length=200, description="Part of the ticket's id, "
                                   "external id or title (any case).")] = None,
    status: str | None = None,
    priority: str | None = None,
    group: str | None = None,
    category: str | None = None,
    source: str | None = None,
    start: Annotated[date | None, Query(alias="from", description="Created on or after this "
                                        "local day, YYYY-MM-DD.")] = None,
    end: Annotated[date | None, Query(alias="to", description="Created on or before this "
                                      "local day, YYYY-MM-DD.")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:  # fmt: skip
    """Tickets matching every given filter, newest first (the dashboard's ticket search)."""
    given = {"status": status, "priority": priority, "group_name": group, "category": category}
    conditions = [equal({k: v for k, v in given.items() if v is not None}),
                  caller.condition(source)]  # fmt: skip
    if start is not None:
        conditions.append(f"created_date >= {lit(start.isoformat())}")
    if end is not None:
        conditions.append(f"created_date <= {lit(end.isoformat())}")
    if q:
        pattern = lit(f"%{_escaped(q)}%")
        conditions.append("(" + " OR ".join(f"coalesce({c}, '') ILIKE {pattern} ESCAPE '\\'"
                          for c in ("ticket_id", "external_id", "title")) + ")")  # fmt: skip
    where = " AND ".join(conditions)
    con = reading.con
    total = catalog_query(con, f"SELECT count(*) FROM fact_ticket WHERE {where}").column(0)[0]
    found = catalog_query(con, f"SELECT {', '.join(LISTED)} FROM fact_ticket WHERE {where} "
                          f"ORDER BY created_at DESC, source, ticket_id "
                          f"LIMIT {limit} OFFSET {offset}")  # fmt: skip
    return page(reading.build.build_id, found.to_pylist(), limit, offset, int(total.as_py()))


@router.get("/api/tickets/{source}/{ticket_id}", response_model=Ticket)
def ticket(source: str, ticket_id: str, caller: Viewer, reading: Reading,
           events_limit: Limit = 1000, events_offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    """One ticket: its row, events (a page of them: ``events_limit`` from ``events_offset``,
    with ``events_total``), SLA clocks, labels and links (a few per ticket: whole)."""
    caller.sources_for(source)  # 403 outside the key's sources
    key = f"source = {lit(source)} AND ticket_id = {lit(ticket_id)}"
    found = _rows(reading, "fact_ticket", key, "ticket_id")
    if not found:
        raise ApiError(404, f"no ticket {ticket_id!r} in source {source!r}")
    linked = f"source = {lit(source)} AND {lit(ticket_id)} IN (from_id, to_id)"
    labels = _rows(reading, "bridge_ticket_label", key, "label")
    return {
        "build": reading.build.build_id,
        "ticket": found[0],
        "events": _rows(
            reading,
            "fact_ticket_event",
            key,
            f"event_number LIMIT {events_limit} OFFSET {events_offset}",
        ),
        "events_total": _count(reading, "fact_ticket_event", key),
        "sla": _rows(reading, "fact_sla", key, "policy, metric"),
        "labels": [r["label"] for r in labels],
        "links": _rows(reading, "bridge_ticket_link", linked, "first_batch_seq, from_id, to_id"),
    }


def _rows(reading: Snapshot, table: str, where: str, order: str) -> list[dict[str, Any]]:
    """The rows of ``table`` matching ``where``, if the build has the table (an older build
    may lack one)."""
    if table not in reading.build.tables:
        return []
    found = catalog_query(reading.con, f"SELECT * FROM {table} WHERE {where} ORDER BY {order}")
    return plain(found.to_pylist())


def _count(reading: Snapshot, table: str, where: str) -> int:
    """How many rows of ``table`` match ``where`` (0 when the build lacks the table)."""
    if table not in reading.build.tables:
        return 0
    found = catalog_query(reading.con, f"SELECT count(*) FROM {table} WHERE {where}")
    return int(found.column(0)[0].as_py())


def _escaped(text: str) -> str:
    """``text`` with LIKE's wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
