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

from ticketlake.synth import profile as pf
from ticketlake.synth.model import SLOT, TicketSet
from ticketlake.synth.shapes import base

HEADER = ("_ts", "issueId", "id", "customerId", "lastModified", "createdTimeUtc",
          "lastModifiedTimeUtc")  # fmt: skip
ISO7 = "iso7"
ENDED = (SLOT["closed"], SLOT["cancelled"])


def _uuids(ts: TicketSet) -> list[str]:
    raw = np.random.default_rng([ts.options.seed, 2]).bytes(16 * len(ts))
    hexes = [raw[i : i + 16].hex() for i in range(0, len(raw), 16)]
    return [f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}" for h in hexes]


def visible_slot(ts: TicketSet, instant: int) -> npt.NDArray[np.int64]:
    """Latest slot whose update the system had recorded before ``instant`` (-1: none)."""
    recorded = ts.times + np.where(ts.present, ts.lag_ns, 0)
    seen = ts.present & (recorded < instant)
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


def day_table(ts: TicketSet, day: int, uuids: pa.Array, keys: pa.Array) -> pa.Table:
    """The snapshot rows of one day."""
    rows, slot = alive_rows(ts, day)
    modified = ts.times[rows, slot]
    recorded = modified + ts.lag_ns[rows, slot]
    seconds = -(-recorded // 10**9)
    customers = [f"customer--{u}" for u in ts.population.customer_uuid]
    lm = base.iso7(modified)
    idx = pa.array(rows)
    return pa.table({
        "_ts": pa.array(seconds),
        "issueId": keys.take(idx),
        "id": uuids.take(idx),
        "customerId": base.names(customers, base.customer_of(ts)[rows]),
        "lastModified": lm,
        "createdTimeUtc": base.iso7(ts.created[rows]),
        "lastModifiedTimeUtc": lm,
    })  # fmt: skip


def issue_keys(ts: TicketSet) -> pa.Array:
    """Project key (by customer) and number, like ``CONR-4606``."""
    key = np.asarray(base.customer_of(ts)) % len(pf.PROJECT_KEYS)
    prefix = base.names([f"{k}-" for k in pf.PROJECT_KEYS], key)
    return pa.compute.binary_join_element_wise(prefix, pa.array(ts.number).cast(pa.string()), "")


def write(ts: TicketSet, out: Path, layout: base.Layout) -> list[base.WrittenFile]:
    """One file per day of the horizon, named by the day."""
    uuids = pa.array(_uuids(ts))
    keys = issue_keys(ts)
    roles = base.Roles(ids=("issueId", "id"), times=("createdTimeUtc", "lastModifiedTimeUtc"),
                       later=("lastModifiedTimeUtc",), date_format=ISO7)  # fmt: skip
    start = np.datetime64(ts.options.start, "D")
    files = []
    for day in range(ts.options.days):
        name = str(start + day).replace("-", "") + ".csv"
        written = base.write_csv(day_table(ts, day, uuids, keys), out / name)
        written.roles = roles
        written.extra["snapshot_instant_ns"] = ts.options.start_ns + (day + 1) * pf.DAY_NS
        files.append(written)
    return files
