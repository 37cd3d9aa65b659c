"""``events``: a status-change event log, one row per change, in local time with offsets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ticketlake.synth import profile as pf
from ticketlake.synth.model import SLOT, SLOTS, STATUS_LABELS, TicketSet
from ticketlake.synth.shapes import base

RESOLUTION_CODES = ("fixed", "workaround", "duplicate", "no fault found")


def event_rows(ts: TicketSet) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(ticket, slot) of every event of a ticket still in the system, in time order."""
    ticket, slot = np.nonzero(ts.present & ts.kept[:, None])
    order = np.argsort(ts.times[ticket, slot], kind="stable")
    return ticket[order].astype(np.int64), slot[order].astype(np.int64)


def _sub_status(
    ts: TicketSet, ticket: npt.NDArray[np.int64], slot: npt.NDArray[np.int64]
) -> pa.Array:
    rng = np.random.default_rng([ts.options.seed, 3])
    code = rng.choice(len(RESOLUTION_CODES), len(ts), p=[0.8, 0.12, 0.05, 0.03])[ticket]
    pending = np.where(ts.on_hold[ticket], "vendor", "customer")
    resolution = np.asarray(RESOLUTION_CODES, dtype=object)[code]
    out = np.where(slot == SLOT["pending"], pending, np.asarray(None, dtype=object))
    out = np.where(np.isin(slot, [SLOT["resolved_1"], SLOT["resolved_2"], SLOT["resolved_3"]]),
                   resolution, out)  # fmt: skip
    return pa.array(out, type=pa.string())


def _changed_by(
    ts: TicketSet, ticket: npt.NDArray[np.int64], slot: npt.NDArray[np.int64]
) -> pa.Array:
    pop = ts.population
    agent = base.names(pop.agent_names, ts.agent[ticket, slot]).to_numpy(zero_copy_only=False)
    requester = np.asarray(pop.requester_names, dtype=object)[ts.requester[ticket]]
    out = np.where(slot == SLOT["created"], requester, agent)
    out = np.where(slot == SLOT["closed"], "system", out)
    return pa.array(out, type=pa.string())


def event_table(ts: TicketSet) -> tuple[pa.Table, npt.NDArray[np.int64]]:
    """The whole log as one table, with each row's UTC instant."""
    ticket, slot = event_rows(ts)
    pop = ts.population
    group = ts.group[ticket, slot]
    location = base.location_of(ts)[ticket]
    status = ts.slot_status()[ticket, slot]
    return pa.table({
        "case_id": base.ticket_ids(ts).take(pa.array(ticket)),
        "timestamp": base.times_with_offset(ts.times[ticket, slot], location),
        "event_type": base.names([e for _, _, e in SLOTS], slot),
        "status": base.names(STATUS_LABELS, status),
        "sub_status": _sub_status(ts, ticket, slot),
        "assignment_group": base.names([g.name for g in pf.GROUPS], group),
        "assignee": base.names(pop.agent_names, ts.agent[ticket, slot]),
        "support_level": base.group_level(group),
        "priority": base.names(pf.PRIORITY_LABELS["events"], ts.priority[ticket]),
        "category": base.names(pf.CATEGORIES, ts.category[ticket]),
        "location": base.names([loc.city for loc in pf.LOCATIONS], location),
        "country": base.names([loc.country for loc in pf.LOCATIONS], location),
        "channel": base.names(pf.CHANNELS, ts.channel[ticket]),
        "changed_by": _changed_by(ts, ticket, slot),
    }), ts.times[ticket, slot]  # fmt: skip


def write(ts: TicketSet, out: Path, layout: base.Layout) -> list[base.WrittenFile]:
    """Monthly files ``events_YYYYMM.csv`` by event time (a case can span files)."""
    table, at = event_table(ts)
    roles = base.Roles(ids=("case_id",), times=("timestamp",), later=("timestamp",),
                       date_format="iso-offset", skip=("event_type", "created"))  # fmt: skip
    files = []
    for month, part in base.split_by(table, base.month_key(at)):
        written = base.write_csv(part, out / f"events_{month}.csv", layout.null_marker)
        written.roles = roles
        files.append(written)
    return files
