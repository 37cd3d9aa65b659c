"""``snapshots``: one ``YYYYMMDD.csv`` per day listing every ticket alive that day.

The header is exactly the one of the lifecycle exports users have: ``_ts`` is the epoch second
at which the system recorded the ticket's latest update, ``lastModifiedTimeUtc`` the user's
time of that update. An update shows in a snapshot only once the system has recorded it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ticketlake.synth import profile as pf
from ticketlake.synth.model import SLOT, TicketSet
from ticketlake.synth.population import uuids
from ticketlake.synth.shapes import base

HEADER = ("_ts", "issueId", "id", "customerId", "lastModified", "createdTimeUtc",
          "lastModifiedTimeUtc")  # fmt: skip
ISO7 = "iso7"
ENDED = (SLOT["closed"], SLOT["cancelled"])


def visible_slot(ts: TicketSet, instant: int) -> npt.NDArray[np.int64]:
    """Latest slot whose update the system had recorded before ``instant`` (-1: none)."""
    seen = ts.present & (ts.recorded < instant)
    idx = np.where(seen, np.arange(seen.shape[1]), -1).max(axis=1)
    return np.asarray(idx, dtype=np.int64)


def alive_rows(ts: TicketSet, day: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Tickets in the snapshot of ``day`` and the slot each one shows."""
    instant = ts.options.start_ns + (day + 1) * pf.DAY_NS
    slot = visible_slot(ts, instant)
    rows = np.arange(len(ts))
    at = ts.times[rows, np.maximum(slot, 0)]
    ended = np.isin(slot, ENDED) & (at < instant - pf.DAY_NS)
    alive = (slot >= 0) & ~ended & (ts.vanished_at > instant)
    return rows[alive], slot[alive]


def identity(ts: TicketSet) -> pa.Table:
    """The columns that never change for a ticket: its key, document id and customer."""
    key = np.asarray(base.customer_of(ts)) % len(pf.PROJECT_KEYS)
    prefix = base.names([f"{k}-" for k in pf.PROJECT_KEYS], key)
    number = pa.array(ts.number).cast(pa.string())
    rng = np.random.default_rng([ts.options.seed, 2])
    customers = [f"customer--{u}" for u in ts.population.customer_uuid]
    return pa.table({
        "issueId": pc.binary_join_element_wise(prefix, number, ""),
        "id": pa.array(uuids(rng, len(ts)), type=pa.string()),
        "customerId": base.names(customers, base.customer_of(ts)),
    })  # fmt: skip


def day_table(ts: TicketSet, day: int, ids: pa.Table) -> pa.Table:
    """The snapshot rows of one day."""
    rows, slot = alive_rows(ts, day)
    modified = ts.times[rows, slot]
    seconds = -(-ts.recorded[rows, slot] // 10**9)
    lm = base.iso7(modified)
    fixed = ids.take(pa.array(rows))
    return pa.table({
        "_ts": pa.array(seconds),
        "issueId": fixed.column("issueId"),
        "id": fixed.column("id"),
        "customerId": fixed.column("customerId"),
        "lastModified": lm,
        "createdTimeUtc": base.iso7(ts.created[rows]),
        "lastModifiedTimeUtc": lm,
    })  # fmt: skip


def write(ts: TicketSet, out: Path, layout: base.Layout) -> list[base.WrittenFile]:
    """One file per day of the horizon, named by the day."""
    ids = identity(ts)
    roles = base.Roles(ids=("issueId", "id"), times=("createdTimeUtc", "lastModifiedTimeUtc"),
                       later=("lastModifiedTimeUtc",), date_format=ISO7)  # fmt: skip
    start = np.datetime64(ts.options.start, "D")
    files = []
    for day in range(ts.options.days):
        name = str(start + day).replace("-", "") + ".csv"
        written = base.write_csv(day_table(ts, day, ids), out / name)
        written.roles = roles
        written.extra["snapshot_instant_ns"] = ts.options.start_ns + (day + 1) * pf.DAY_NS
        files.append(written)
    return files
