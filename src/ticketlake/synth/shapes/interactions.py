"""``interactions``: interaction records, interaction-to-incident links and system ids.

Monthly sets ``interaction_YYYYMM.csv``, ``ims_inc_YYYYMM.csv`` and ``sysid_YYYYMM.json``.
Each technician converts a different share of interactions into incidents, and a few
incidents (outages) are linked from several interactions. An interaction has no resolved
state: it is ``Closed Complete`` from the ticket's final resolution, so ``closed_at`` is
that resolution (or the cancellation), never the later closure of the ticket.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ticketlake.synth import profile as pf
from ticketlake.synth.model import TicketSet
from ticketlake.synth.personal import ticket_text
from ticketlake.synth.shapes import base

STATES = ("New", "Work in Progress", "Work in Progress", "On Hold", "On Hold",
          "Closed Complete", "Work in Progress", "Closed Complete", "Closed Abandoned")  # fmt: skip
CONVERSION_BY_CATEGORY = (1.4, 0.8, 1.0, 0.5, 0.9, 0.6, 1.3, 1.6)


def links(
    ts: TicketSet, rows: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(interaction row, incident number) pairs: per-technician conversion, shared outages."""
    rng = np.random.default_rng([ts.options.seed, 4])
    propensity = rng.beta(2.0, 10.0, len(ts.population.agent_names))
    agent = ts.current_agent[rows]
    p = np.where(agent >= 0, propensity[np.maximum(agent, 0)], 0.0)
    p = p * np.asarray(CONVERSION_BY_CATEGORY)[ts.category[rows]]
    converted = np.flatnonzero(rng.random(rows.shape[0]) < p)
    incident = np.arange(1, converted.shape[0] + 1)
    shared = rng.random(converted.shape[0]) < 0.04
    incident = np.where(
        shared & (incident > 1),
        np.maximum(incident - rng.integers(1, 4, incident.shape[0]), 1),
        incident,
    )
    twice = converted[rng.random(converted.shape[0]) < 0.02]
    extra = converted.shape[0] + np.arange(1, twice.shape[0] + 1)
    pairs_row = np.concatenate([converted, twice])
    pairs_inc = np.concatenate([incident, extra])
    order = np.lexsort((pairs_inc, pairs_row))
    return pairs_row[order], pairs_inc[order]


def interaction_table(ts: TicketSet, rows: npt.NDArray[np.int64]) -> pa.Table:
    """Interaction records of the given tickets."""
    pop = ts.population
    title = ticket_text(ts).title
    idx = pa.array(rows)
    fmt = "%Y-%m-%d %H:%M:%S"
    return pa.table({
        "number": pa.array([f"IMS{n:07d}" for n in ts.number[rows]]),
        "opened_at": base.times(ts.created[rows], fmt),
        "closed_at": base.times(ts.done_at[rows], fmt),
        "state": base.names(STATES, ts.status[rows]),
        "caller": base.names(pop.requester_names, ts.requester[rows]),
        "assigned_to": base.names(pop.agent_names, ts.current_agent[rows]),
        "assignment_group": base.names([g.name for g in pf.GROUPS], ts.current_group[rows]),
        "location": base.names([loc.city for loc in pf.LOCATIONS], base.location_of(ts)[rows]),
        "contact_type": base.names(pf.CHANNELS, ts.channel[rows]),
        "category": base.names(pf.CATEGORIES, ts.category[rows]),
        "short_description": title.take(idx),
    })  # fmt: skip


def _sys_id(rng: np.random.Generator) -> str:
    return rng.bytes(16).hex()


def write(ts: TicketSet, out: Path, layout: base.Layout) -> list[base.WrittenFile]:
    """Write the monthly export sets."""
    rows = np.flatnonzero(ts.kept)
    link_row, link_inc = links(ts, rows)
    month = base.month_key(ts.created[rows])
    rng = np.random.default_rng([ts.options.seed, 5])
    roles = base.Roles(ids=("number",), times=("opened_at", "closed_at"), later=("closed_at",),
                       date_format="%Y-%m-%d %H:%M:%S")  # fmt: skip
    files = []
    for m in np.unique(month):
        local = np.flatnonzero(month == m)
        table = interaction_table(ts, rows[local])
        inter = base.write_csv(table, out / f"interaction_{m}.csv", layout.null_marker)
        inter.roles = roles
        in_month = np.isin(link_row, local)
        link_table = pa.table({
            "interaction_number": table.column("number").take(pa.array(np.searchsorted(local, link_row[in_month]))),
            "incident_number": pa.array([f"INC{n:07d}" for n in link_inc[in_month]]),
        })  # fmt: skip
        files += [inter, base.write_csv(link_table, out / f"ims_inc_{m}.csv")]
        files.append(_write_sysids(rng, table, link_table, out / f"sysid_{m}.json"))
    return files


def _write_sysids(
    rng: np.random.Generator, table: pa.Table, link_table: pa.Table, path: Path
) -> base.WrittenFile:
    numbers = table.column("number").to_pylist()
    incidents = sorted(set(link_table.column("incident_number").to_pylist()))
    records = [{"number": n, "table": "interaction", "sys_id": _sys_id(rng)} for n in numbers]
    records += [{"number": n, "table": "incident", "sys_id": _sys_id(rng)} for n in incidents]
    path.write_text(json.dumps(records, indent=1) + "\n", encoding="utf-8")
    return base.WrittenFile(path=path, rows=len(records), kind="sysid")
