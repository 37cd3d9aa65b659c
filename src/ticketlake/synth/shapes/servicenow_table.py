"""``servicenow-table``: the incident table, one row per incident, as ServiceNow exports it:
``servicenow-table`` writes list CSV exports (display values, as the list shows them),
``servicenow-table-json`` REST Table API pages (``{"result": [...]}``, choice fields as their
numbers, reference fields as ``{"link", "value"}``), monthly by opening.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow as pa

from ticketlake.synth import profile as pf
from ticketlake.synth.model import ABSENT, TicketSet
from ticketlake.synth.personal import ticket_text
from ticketlake.synth.shapes import base

TIME = "%Y-%m-%d %H:%M:%S"
TIME_FIELDS = ("opened_at", "resolved_at", "closed_at", "sys_created_on", "sys_updated_on")
# The times the preset reads (sys_created_on only stands in for a missing opened_at), so the
# ones a defect may spoil.
READ_TIMES = ("opened_at", "resolved_at", "closed_at", "sys_updated_on")
# Our status labels (model.STATUS_LABELS) as incident states: number and label.
STATE = (1, 2, 2, 3, 3, 6, 2, 7, 8)
STATE_LABELS = {1: "New", 2: "In Progress", 3: "On Hold", 6: "Resolved", 7: "Closed",
                8: "Canceled"}  # fmt: skip
IMPACT = (1, 1, 2, 2)  # by priority index: the priority matrix's impact and urgency
URGENCY = (1, 2, 2, 3)
LEVELS = ("1 - High", "2 - Medium", "3 - Low")
INSTANCE = "https://example.service-now.com/api/now/table"


def incident_table(ts: TicketSet) -> pa.Table:
    """Every incident's record at export time, with numbers for choice fields."""
    pop = ts.population
    text = ticket_text(ts)
    title, description = text.title, text.description
    resolved = ts.resolved_at
    stc = np.where(resolved == ABSENT, 0, (resolved - ts.created) // 10**9)
    updated = ts.at_last(ts.times).astype(np.int64)
    return pa.table({
        "number": pa.array([f"INC{n:07d}" for n in ts.number]),
        "sys_id": pa.array(_sys_ids(ts)),
        "opened_at": base.times(ts.created, TIME),
        "resolved_at": base.times(resolved, TIME),
        "closed_at": base.times(ts.closed_at, TIME),
        "state": pa.array(np.asarray(STATE)[ts.status]),
        "priority": pa.array(ts.priority + 1),
        "impact": pa.array(np.asarray(IMPACT)[ts.priority]),
        "urgency": pa.array(np.asarray(URGENCY)[ts.priority]),
        "assignment_group": base.names([g.name for g in pf.GROUPS], ts.current_group),
        "assigned_to": base.names(pop.agent_names, ts.current_agent),
        "caller_id": base.names(pop.requester_names, ts.requester),
        "category": base.names(pf.CATEGORIES, ts.category),
        "contact_type": base.names(pf.CHANNELS, ts.channel),
        "location": base.names([loc.city for loc in pf.LOCATIONS], base.location_of(ts)),
        "short_description": title,
        "description": description,
        "reopen_count": pa.array(ts.reopen_count),
        "reassignment_count": pa.array(ts.reassignment_count),
        "calendar_stc": pa.array(stc),
        "sys_created_on": base.times(ts.created, TIME),
        "sys_updated_on": base.times(updated, TIME),
    })  # fmt: skip


def _sys_ids(ts: TicketSet) -> list[str]:
    rng = np.random.default_rng([ts.options.seed, 6])
    return [rng.bytes(16).hex() for _ in range(len(ts))]


def list_export(table: pa.Table) -> pa.Table:
    """The table as the list CSV export shows it: choice fields as their display values."""
    state = [STATE_LABELS[s] for s in table.column("state").to_pylist()]
    priority = base.names(pf.PRIORITY_LABELS["events"], table.column("priority").to_numpy() - 1)
    out = table.set_column(table.column_names.index("state"), "state", pa.array(state))
    out = out.set_column(out.column_names.index("priority"), "priority", priority)
    for name in ("impact", "urgency"):
        levels = base.names(LEVELS, out.column(name).to_numpy() - 1)
        out = out.set_column(out.column_names.index(name), name, levels)
    return out.drop_columns(["description"])


def write(ts: TicketSet, out: Path, layout: base.Layout) -> list[base.WrittenFile]:
    """Monthly list exports ``incident_YYYYMM.csv`` by opening."""
    kept = ts.kept
    table = list_export(incident_table(ts).filter(pa.array(kept)))
    roles = base.Roles(ids=("number",), times=READ_TIMES, later=READ_TIMES[1:3],
                       date_format=TIME)  # fmt: skip
    files = []
    for month, part in base.split_by(table, base.month_key(ts.created[kept])):
        written = base.write_csv(part, out / f"incident_{month}.csv", layout.null_marker)
        written.roles = roles
        files.append(written)
    return files


def write_json(ts: TicketSet, out: Path, layout: base.Layout) -> list[base.WrittenFile]:
    """Monthly Table API pages ``incident_YYYYMM.json``: one record per line between the
    page's first line (``{"result": [``) and its last (``]}``)."""
    kept = ts.kept
    table = incident_table(ts).filter(pa.array(kept))
    roles = base.Roles(ids=("number",), times=READ_TIMES, later=READ_TIMES[1:3],
                       date_format=TIME)  # fmt: skip
    files = []
    for month, part in base.split_by(table, base.month_key(ts.created[kept])):
        path = out / f"incident_{month}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(_record(r), ensure_ascii=False, separators=(",", ":"))
                 for r in part.to_pylist()]  # fmt: skip
        path.write_text('{"result":[\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
        files.append(base.WrittenFile(path=path, rows=len(lines), kind="json", roles=roles))
    return files


def _record(row: dict[str, object]) -> dict[str, object]:
    """A Table API record: every value a string ("" for none), references as links."""
    out: dict[str, object] = {k: "" if v is None else str(v) for k, v in row.items()}
    for name, table in (("assignment_group", "sys_user_group"), ("assigned_to", "sys_user"),
                        ("caller_id", "sys_user"), ("location", "cmn_location")):  # fmt: skip
        if out[name]:
            sys_id = hashlib.md5(str(out[name]).encode()).hexdigest()
            out[name] = {"link": f"{INSTANCE}/{table}/{sys_id}", "value": sys_id}
    return out
