"""What every export shape shares: the written-file record and column helpers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ticketlake.synth import profile as pf
from ticketlake.synth.model import ABSENT, TicketSet


@dataclass(frozen=True)
class Layout:
    """How timestamps and nulls are written (sources declare the same in their config)."""

    date_format: str = "%Y-%m-%d %H:%M:%S"
    timezone: str = "UTC"
    null_marker: str = ""
    json_lines: bool = True


@dataclass(frozen=True)
class Roles:
    """Which fields of a file hold the id and the timestamps; the defect injector uses them.

    ``later`` fields must not precede the ticket's creation; ``skip`` names a (field, value)
    whose rows are not candidates for an impossible timestamp (an event log's creation rows).
    """

    ids: tuple[str, ...]
    times: tuple[str, ...]
    later: tuple[str, ...]
    date_format: str
    timezone: str = "UTC"
    skip: tuple[str, str] | None = None


@dataclass
class WrittenFile:
    """One file a shape wrote."""

    path: Path
    rows: int
    kind: str  # "csv", "jsonl" or "json"
    roles: Roles | None = None
    extra: dict[str, object] = field(default_factory=dict)
    # Personal data the file holds besides the tickets' own text (planted in comments).
    personal: tuple[str, ...] = ()


Writer = Callable[[TicketSet, Path, Layout], list[WrittenFile]]


def names(values: Sequence[str], index: npt.NDArray[np.int_]) -> pa.Array:
    """Look up ``values[index]``, null where the index is negative."""
    idx = pa.array(index, mask=index < 0, type=pa.int64())
    return pa.array(values, type=pa.string()).take(idx)


def times(ns: npt.NDArray[np.int64], fmt: str, tz: str = "UTC") -> pa.Array:
    """Format nanosecond instants in ``tz`` with ``fmt``; ABSENT becomes null."""
    arr = pa.array(ns // 10**9, mask=ns == ABSENT, type=pa.int64())
    arr = arr.cast(pa.timestamp("s", tz="UTC"))
    fmt = fmt.replace(".%f", "").replace("%f", "")
    return pc.strftime(arr.cast(pa.timestamp("s", tz=tz)), format=fmt)


def iso7(ns: npt.NDArray[np.int64]) -> pa.Array:
    """ISO-8601 UTC with seven fractional digits and a ``Z``, as .NET writes it."""
    full = pc.strftime(pa.array(ns, type=pa.timestamp("ns", tz="UTC")), format="%Y-%m-%dT%H:%M:%S")
    return pc.binary_join_element_wise(pc.utf8_slice_codeunits(full, 0, 27), "Z", "")


def month_key(ns: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """YYYYMM of each UTC instant."""
    months = ns.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    return (1970 + months // 12) * 100 + months % 12 + 1


def write_csv(table: pa.Table, path: Path, null_marker: str = "") -> WrittenFile:
    """Write ``table`` as RFC 4180 CSV, quoting only where needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if null_marker:
        table = pa.table(
            {name: pc.fill_null(col.cast(pa.string()), null_marker)
             for name, col in zip(table.column_names, table.columns, strict=True)}
        )  # fmt: skip
    con = duckdb.connect()
    try:
        con.from_arrow(table).write_csv(str(path), header=True, quotechar='"')
    finally:
        con.close()
    return WrittenFile(path=path, rows=table.num_rows, kind="csv")


def split_by(table: pa.Table, key: npt.NDArray[np.int64]) -> list[tuple[int, pa.Table]]:
    """Partition rows by ``key`` (for monthly or daily files), keeping row order."""
    out = []
    for value in np.unique(key):
        out.append((int(value), table.filter(pa.array(key == value))))
    return out


def ticket_ids(ts: TicketSet, prefix: str = "TCK-") -> pa.Array:
    """Human ticket numbers shared by the tickets, events and json shapes."""
    digits = pc.utf8_lpad(pa.array(ts.number).cast(pa.string()), 7, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def location_of(ts: TicketSet) -> npt.NDArray[np.int_]:
    """Each ticket's location (its requester's office)."""
    return ts.population.requester_location[ts.requester]


def customer_of(ts: TicketSet) -> npt.NDArray[np.int_]:
    """Each ticket's customer (its requester's organisation)."""
    return ts.population.requester_customer[ts.requester]


def group_level(group: npt.NDArray[np.int_]) -> pa.Array:
    """Support level label (L1..L3) of each group index."""
    levels = [f"L{g.level}" for g in pf.GROUPS]
    return names(levels, group)


def times_with_offset(ns: npt.NDArray[np.int64], zone: npt.NDArray[np.int_]) -> pa.Array:
    """ISO-8601 local times with their UTC offset (``2024-03-04T09:15:22+01:00``).

    ``zone`` indexes ``profile.LOCATIONS``; each row is written in its office's time zone.
    """
    out = np.empty(ns.shape[0], dtype=object)
    for z in np.unique(zone):
        rows = np.flatnonzero(zone == z)
        utc = pa.array(ns[rows] // 10**9 * 10**9, type=pa.timestamp("ns", tz="UTC"))
        local = pc.local_timestamp(utc.cast(pa.timestamp("ns", tz=pf.LOCATIONS[z].timezone)))
        offset = (local.cast(pa.int64()).to_numpy() - ns[rows] // 10**9 * 10**9) // 60 * 10**-9
        text = pc.strftime(local.cast(pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%S")
        out[rows] = [f"{t}{_offset(int(m))}" for t, m in zip(text.to_pylist(), offset, strict=True)]
    return pa.array(out, type=pa.string())


def _offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
