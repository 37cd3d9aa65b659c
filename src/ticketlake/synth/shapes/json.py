"""``json``: tickets with nested objects, as JSON lines or a JSON array, as help-desk APIs return."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from ticketlake.synth import profile as pf
from ticketlake.synth.model import TicketSet
from ticketlake.synth.personal import ticket_text
from ticketlake.synth.shapes import base

ISO_Z = "%Y-%m-%dT%H:%M:%SZ"
# Our status labels in the lower-case vocabulary of ticketing APIs.
API_STATUS = ("new", "open", "open", "pending", "hold", "solved", "open", "closed", "cancelled")
TIME_FIELDS = ("created_at", "updated_at", "metrics.first_response_at", "metrics.solved_at",
               "metrics.closed_at")  # fmt: skip


def _struct(**fields: pa.Array) -> pa.StructArray:
    return pa.StructArray.from_arrays(list(fields.values()), names=list(fields))


def json_table(ts: TicketSet) -> pa.Table:
    """Nested ticket documents."""
    pop = ts.population
    text = ticket_text(ts)
    title, description = text.title, text.description
    loc = base.location_of(ts)
    group = ts.current_group
    requester_ids = [f"U{i:06d}" for i in range(len(pop.requester_names))]
    assigned = ts.current_agent >= 0
    assignee = _struct(
        name=base.names(pop.agent_names, ts.current_agent),
        group=_struct(name=base.names([g.name for g in pf.GROUPS], group),
                      level=base.group_level(group)),
    )  # fmt: skip
    assignee = pa.StructArray.from_arrays(assignee.flatten(), fields=list(assignee.type),
                                          mask=pa.array(~assigned))  # fmt: skip
    return pa.table({
        "id": base.ticket_ids(ts),
        "subject": title,
        "description": description,
        "status": base.names(API_STATUS, ts.status),
        "priority": base.names(pf.PRIORITY_LABELS["json"], ts.priority),
        "created_at": base.times(ts.created, ISO_Z),
        "updated_at": base.times(ts.at_last(ts.times).astype(np.int64), ISO_Z),
        "category": _struct(name=base.names(pf.CATEGORIES, ts.category)),
        "via": _struct(channel=base.names(pf.CHANNELS, ts.channel)),
        "requester": _struct(
            id=base.names(requester_ids, ts.requester),
            name=base.names(pop.requester_names, ts.requester),
            organization=_struct(name=base.names(pop.customer_names, base.customer_of(ts))),
            location=_struct(city=base.names([x.city for x in pf.LOCATIONS], loc),
                             country=base.names([x.country for x in pf.LOCATIONS], loc)),
        ),
        "assignee": assignee,
        "metrics": _struct(
            first_response_at=base.times(ts.slot_time("responded"), ISO_Z),
            solved_at=base.times(ts.resolved_at, ISO_Z),
            closed_at=base.times(ts.closed_at, ISO_Z),
            reopens=pa.array(ts.reopen_count),
            reassignments=pa.array(ts.reassignment_count),
        ),
        "tags": pa.array([[pf.CATEGORIES[c].lower(), pf.CHANNELS[ch]]
                          for c, ch in zip(ts.category, ts.channel, strict=True)]),
    })  # fmt: skip


def write_json(table: pa.Table, path: Path, lines: bool) -> base.WrittenFile:
    """Write documents as JSON lines or as an array with one document per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.register("docs", table)
        target = str(path).replace("'", "''")
        con.execute(f"COPY docs TO '{target}' (FORMAT json, ARRAY {str(not lines).lower()})")
    finally:
        con.close()
    return base.WrittenFile(path=path, rows=table.num_rows, kind="jsonl" if lines else "json")


def write(ts: TicketSet, out: Path, layout: base.Layout) -> list[base.WrittenFile]:
    """Monthly files ``tickets_YYYYMM.jsonl`` (or ``.json`` arrays) by creation month."""
    kept = ts.kept
    table = json_table(ts).filter(pa.array(kept))
    roles = base.Roles(ids=("id",), times=TIME_FIELDS, later=TIME_FIELDS[2:], date_format=ISO_Z)
    suffix = "jsonl" if layout.json_lines else "json"
    files = []
    for month, part in base.split_by(table, base.month_key(ts.created[kept])):
        written = write_json(part, out / f"tickets_{month}.{suffix}", layout.json_lines)
        written.roles = roles
        files.append(written)
    return files
