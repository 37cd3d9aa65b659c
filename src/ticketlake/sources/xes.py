"""``xes``: an IEEE 1849 (XES) event log, as PM4Py, ProM, Celonis and the BPI Challenge logs
write it, plain (``*.xes``) or gzipped (``*.xes.gz``).

The file is streamed through expat (never loaded whole): a trace's events are held until the
trace ends (its attributes may follow them), then handed on as rows, so memory is bounded by
the largest trace and one chunk, whatever the file's size. A trace is a ticket
(``concept:name``); each event is one state change:

- ``concept:name`` (the activity) is the status the event leaves the ticket in, as process
  mining logs name an activity after the state it reaches; the event type is the one
  sources/eventlog.py's ``EVENT_TYPES`` gives the activity (``Resolved`` -> resolved,
  ``New`` -> created), else ``status_changed``;
- ``time:timestamp`` (ISO 8601, with its offset) is the event time;
- ``lifecycle:transition`` is kept as an attribute and in the event's key: a ``start`` and a
  ``complete`` of one activity are two events with the same status (one stay);
- ``org:resource`` is the assignee, ``org:group`` the group;
- an event or trace attribute whose key is a canonical field (``priority``, ``category``,
  ``channel``, ...) fills that field; every other attribute is kept in the event's attributes
  (trace attributes on each of its events, an event's own value winning).

Defaults declared with ``<global scope="trace|event">`` fill what a trace or event lacks.
Meta-attributes (attributes of attributes) and the children of ``list`` and ``container``
attributes are not read.
"""

from __future__ import annotations

import gzip
import xml.parsers.expat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ticketlake.sources import documents
from ticketlake.sources.base import FIELDS, FileKind, Format, normalise_name
from ticketlake.sources.eventlog import EVENT_TYPES
from ticketlake.sources.readers import Chunk, FileProblem, open_binary

ATTRIBUTES = ("string", "date", "int", "float", "boolean", "id", "list", "container")
BLOCK = 1 << 16
# Canonical fields an attribute of the same name fills; the standard keys fill the others.
NAMED = tuple(n for n, k in FIELDS.items() if k == "text" and n not in (
    "ticket_id", "external_id", "event_type", "status", "assignee", "group_name", "event_key",
    "linked_id", "linked_table", "problem_id", "labels", "vendor_status_category"))  # fmt: skip
STANDARD = {"concept:name", "time:timestamp", "org:resource", "org:group"}


@dataclass
class _Trace:
    number: int
    attributes: dict[str, str] = field(default_factory=dict)
    events: list[tuple[int, int, dict[str, str]]] = field(default_factory=list)


class _Parser:
    """expat handlers building traces; finished rows go to ``rows``."""

    def __init__(self, rows: documents.Rows) -> None:
        self.rows = rows
        self.stack: list[str] = []
        self.defaults: dict[str, dict[str, str]] = {"trace": {}, "event": {}}
        self.scope: str | None = None
        self.trace: _Trace | None = None
        self.event: dict[str, str] | None = None
        self.traces = 0
        self.line = 0
        self.expat = xml.parsers.expat.ParserCreate()
        self.expat.StartElementHandler = self.start
        self.expat.EndElementHandler = self.end

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        name = tag.rpartition(":")[2]
        parent = self.stack[-1] if self.stack else None
        self.stack.append(name)
        if name == "global":
            self.scope = attrs.get("scope", "event")
        elif name == "trace":
            self.traces += 1
            self.trace = _Trace(self.traces)
        elif name == "event" and parent == "trace":
            self.event = {}
            self.line = self.expat.CurrentLineNumber
        elif name in ATTRIBUTES and "key" in attrs:
            self._attribute(parent, attrs["key"], attrs.get("value"))

    def _attribute(self, parent: str | None, key: str, value: str | None) -> None:
        if value is None:
            return  # a list or container: its children are not read
        if parent == "event" and self.event is not None:
            self.event[key] = value
        elif parent == "trace" and self.trace is not None:
            self.trace.attributes[key] = value
        elif parent == "global" and self.scope in self.defaults:
            self.defaults[self.scope][key] = value

    def end(self, tag: str) -> None:
        name = self.stack.pop()
        if name == "global":
            self.scope = None
        elif name == "event" and self.event is not None and self.trace is not None:
            event = {**self.defaults["event"], **self.event}
            self.trace.events.append((len(self.trace.events), self.line, event))
            self.event = None
        elif name == "trace" and self.trace is not None:
            self._rows(self.trace)
            self.trace = None

    def _rows(self, trace: _Trace) -> None:
        attributes = {**self.defaults["trace"], **trace.attributes}
        for index, line, event in trace.events:
            where = f"trace[{trace.number - 1}].event[{index}]"
            self.rows.add_flat(where, line, row(attributes, event), event)


def row(trace: dict[str, str], event: dict[str, str]) -> dict[str, object]:
    """The canonical row of one event of a trace; see the module docstring."""
    activity = event.get("concept:name")
    transition = event.get("lifecycle:transition")
    out: dict[str, object] = {
        "ticket_id": trace.get("concept:name"),
        "event_time": event.get("time:timestamp"),
        "status": activity,
        "event_type": EVENT_TYPES.get((activity or "").strip().lower(), "status_changed"),
        "event_key": "|".join(v or "" for v in (activity, transition)),
        "assignee": event.get("org:resource"),
        "group_name": event.get("org:group"),
    }
    others = {k: v for k, v in trace.items() if k != "concept:name"}
    others.update((k, v) for k, v in event.items() if k not in STANDARD)
    for key, value in others.items():
        name = normalise_name(key)
        if name in NAMED:
            out.setdefault(name, value)
        else:  # kept as an attribute; a key that reads as a canonical field is marked
            out[f"xes:{key}" if name in FIELDS else key] = value
    return out


def read(path: Path) -> Iterator[Chunk]:
    """Rows of an XES file, chunk by chunk, as its blocks are parsed."""
    rows = documents.Rows()
    parser = _Parser(rows)
    try:
        with open_binary(path) as stream:
            while block := stream.read(BLOCK):
                parser.expat.Parse(block, False)
                yield from rows.full()
            parser.expat.Parse(b"", True)
    except xml.parsers.expat.ExpatError as exc:
        raise FileProblem(f"{path}: line {exc.lineno}: not well-formed XES: "
                          f"{xml.parsers.expat.ErrorString(exc.code)}") from None  # fmt: skip
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise FileProblem(f"{path}: cannot be read: {exc}") from None
    if parser.traces == 0 and rows.count == 0:
        raise FileProblem(f"{path}: no <trace> found: not an XES event log")
    yield from rows.rest()


def sniff(path: Path) -> bool:
    """Whether ``path`` starts like an XES log (a ``<log`` element near the top)."""
    try:
        with open_binary(path) as stream:
            head = stream.read(4096)
    except (OSError, EOFError, gzip.BadGzipFile):
        return False
    return b"<log" in head or b"xes-standard" in head


KIND = FileKind(
    name="xes.events",
    history=True,
    container="csv",  # not read as CSV: the reader reads the file
    synonyms=documents.IDENTITY,
    required=("ticket_id", "event_time"),
    events_sql=documents.EVENTS_SQL,
    reader=read,
)

FORMAT = Format(
    name="xes",
    summary="IEEE 1849 XES event log (plain or gzipped), streamed: one row per event.",
    kinds=(("*.xes", KIND), ("*.xes.gz", KIND)),
    sniff=sniff,
)
