"""``tickets``: one CSV row per ticket, the flat export most help desks offer."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from ticketlake.synth import profile as pf
from ticketlake.synth.model import STATUS_LABELS, TicketSet
from ticketlake.synth.personal import ticket_text
from ticketlake.synth.shapes import base

TIME_FIELDS = ("created_at", "first_response_at", "resolved_at", "closed_at")


def ticket_table(ts: TicketSet, layout: base.Layout) -> pa.Table:
    """Every ticket's state at export time, deleted tickets excluded by the caller."""
    pop = ts.population
    text = ticket_text(ts)
    title, description = text.title, text.description
    fmt, tz = layout.date_format, layout.timezone
    return pa.table({
        "ticket_id": base.ticket_ids(ts),
        "created_at": base.times(ts.created, fmt, tz),
        "first_response_at": base.times(ts.slot_time("responded"), fmt, tz),
        "resolved_at": base.times(ts.resolved_at, fmt, tz),
        "closed_at": base.times(ts.closed_at, fmt, tz),
        "status": base.names(STATUS_LABELS, ts.status),
        "priority": base.names(pf.PRIORITY_LABELS["tickets"], ts.priority),
        "category": base.names(pf.CATEGORIES, ts.category),
        "channel": base.names(pf.CHANNELS, ts.channel),
        "queue": base.names([g.name for g in pf.GROUPS], ts.current_group),
        "support_level": base.group_level(ts.current_group),
        "agent": base.names(pop.agent_names, ts.current_agent),
        "requester": base.names(pop.requester_names, ts.requester),
        "customer": base.names(pop.customer_names, base.customer_of(ts)),
        "location": base.names([loc.city for loc in pf.LOCATIONS], base.location_of(ts)),
        "reopen_count": pa.array(ts.reopen_count),
        "reassignment_count": pa.array(ts.reassignment_count),
        "title": title,
        "description": description,
    })  # fmt: skip


def write(ts: TicketSet, out: Path, layout: base.Layout) -> list[base.WrittenFile]:
    """Monthly files ``tickets_YYYYMM.csv`` by creation month."""
    kept = ts.kept
    table = ticket_table(ts, layout).filter(pa.array(kept))
    roles = base.Roles(ids=("ticket_id",), times=TIME_FIELDS, later=TIME_FIELDS[1:],
                       date_format=layout.date_format, timezone=layout.timezone)  # fmt: skip
    files = []
    for month, part in base.split_by(table, base.month_key(ts.created[kept])):
        written = base.write_csv(part, out / f"tickets_{month}.csv", layout.null_marker)
        written.roles = roles
        files.append(written)
    return files
