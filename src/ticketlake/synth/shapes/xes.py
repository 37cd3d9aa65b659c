"""``xes``: the whole history as one IEEE 1849 (XES) event log, ``incidents.xes.gz``.

A trace per ticket (``concept:name`` its number; its priority, category, location, country
and channel as trace attributes), an event per row of the ``events`` shape: ``concept:name``
the status reached, ``time:timestamp`` in the office's time with its offset,
``lifecycle:transition`` ``complete``, ``org:resource`` and ``org:group`` the assignee and
group, and the sub status, support level and author as event attributes. The file is written
trace by trace, so a million events never sit in memory as text.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pyarrow as pa

from ticketlake.synth.model import TicketSet
from ticketlake.synth.shapes import base
from ticketlake.synth.shapes.events import event_table

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
\t<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
\t<global scope="trace">
\t\t<string key="concept:name" value="__INVALID__"/>
\t</global>
\t<global scope="event">
\t\t<string key="concept:name" value="__INVALID__"/>
\t\t<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
\t\t<string key="lifecycle:transition" value="complete"/>
\t</global>
\t<classifier name="Activity" keys="concept:name"/>
\t<string key="concept:name" value="ticketlake synthetic incidents"/>
"""
TRACE_KEYS = ("priority", "category", "location", "country", "channel")
EVENT_KEYS = (("concept:name", "status"), ("org:resource", "assignee"),
              ("org:group", "assignment_group"), ("sub_status", "sub_status"),
              ("support_level", "support_level"), ("changed_by", "changed_by"))  # fmt: skip


def _string(key: str, value: object, indent: str) -> str:
    return f'{indent}<string key="{key}" value={quoteattr(str(value))}/>\n'


def traces(table: pa.Table) -> Iterator[str]:
    """The log's traces as text, one ticket each, events in time order (``table`` is the
    ``events`` shape's log, in time order)."""
    ids = table.column("case_id").to_numpy(zero_copy_only=False)
    order = np.argsort(ids, kind="stable")
    columns = {n: table.column(n).to_numpy(zero_copy_only=False)[order] for n in table.column_names}
    bounds = np.flatnonzero(np.r_[True, columns["case_id"][1:] != columns["case_id"][:-1]])
    for start, end in zip(bounds, [*bounds[1:], len(order)], strict=True):
        parts = ["\t<trace>\n", _string("concept:name", columns["case_id"][start], "\t\t")]
        parts += [_string(k, columns[k][start], "\t\t") for k in TRACE_KEYS
                  if columns[k][start] is not None]  # fmt: skip
        for i in range(start, end):
            parts.append("\t\t<event>\n")
            parts += [_string(k, columns[c][i], "\t\t\t") for k, c in EVENT_KEYS
                      if columns[c][i] is not None]  # fmt: skip
            parts.append(f'\t\t\t<date key="time:timestamp" value="{columns["timestamp"][i]}"/>\n')
            parts.append("\t\t</event>\n")
        parts.append("\t</trace>\n")
        yield "".join(parts)


def write(ts: TicketSet, out: Path, layout: base.Layout) -> list[base.WrittenFile]:
    """One gzipped log of every ticket still in the system."""
    table, _ = event_table(ts)
    path = out / "incidents.xes.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=5) as stream:
        stream.write(HEAD)
        for trace in traces(table):
            stream.write(trace)
        stream.write("</log>\n")
    return [base.WrittenFile(path=path, rows=table.num_rows, kind="xes")]
