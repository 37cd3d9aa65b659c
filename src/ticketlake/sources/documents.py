"""Vendor documents: exports whose records nest their history (Jira, Zendesk, GitHub, XES).

A preset whose export is a document rather than a table reads the file itself
(``FileKind.reader``) and hands the ingest core flat rows, one per event, with canonical field
names as columns (:data:`IDENTITY` maps each field to itself, so no mapping is needed). From
there the rows are validated, typed, quarantined and deduplicated like any other file's.

Row numbers: a document's rows are numbered in the order the reader yields them (row 1, 2,
...), since a record of a JSON document spans lines and one record yields many events. The
quarantine's ``source_line`` is that number, and the row's raw text starts with where it came
from: the record's path in the document (``issues[3].changelog.histories[2]``) and, where the
reader knows it, the line the record starts on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from ticketlake.sources.base import FIELDS, FileKind
from ticketlake.sources.readers import (
    MAX_RAW,
    Chunk,
    FileProblem,
    Rejected,
    open_binary,
    open_text,
)

# Rows per chunk: a row of a document is a dict of Python strings plus its raw text, several
# times the size of a CSV row's, so chunks are smaller than the CSV reader's.
CHUNK_ROWS = 10_000

# Every canonical field read from the column of its own name: a document reader's rows.
IDENTITY: dict[str, tuple[str, ...]] = {name: (name,) for name in FIELDS}

# Each row is one event, carrying the ticket's state after it (as an event log's rows do).
EVENTS_SQL = """
SELECT ticket_id, event_time, coalesce(event_type, 'updated') AS event_type,
       coalesce(event_key, '') AS event_key, event_seq, status, sub_status,
       priority AS priority_raw, impact, urgency, group_name, assignee, support_level,
       requester, customer, location, country, channel, category, subcategory, title,
       description, changed_by, reopen_count, reassignment_count, made_sla, created_at,
       external_id, labels, vendor_status_category, vendor_reply_minutes,
       vendor_reply_business_minutes, vendor_resolution_minutes,
       vendor_resolution_business_minutes, comment, _line
FROM valid
"""


# The names of a JSON export's files, plain or gzipped, and of a CSV export's.
JSON_NAMES = ("*.json", "*.jsonl", "*.ndjson", "*.json.gz", "*.jsonl.gz", "*.ndjson.gz")
CSV_NAMES = ("*.csv", "*.csv.gz")


def kind(name: str, read: Callable[[Path], Iterator[Chunk]], *, history: bool = True,
         required: tuple[str, ...] = ("ticket_id", "event_time"), events_sql: str = EVENTS_SQL,
         links_sql: str | None = None) -> FileKind:  # fmt: skip
    """A file kind whose files ``read`` reads itself: rows of canonical fields, no mapping."""
    return FileKind(name=name, container="json", synonyms=IDENTITY, required=required,
                    events_sql=events_sql, links_sql=links_sql, reader=read,
                    history=history)  # fmt: skip


def head(path: Path, size: int = 1 << 16) -> str:
    """The first ``size`` bytes of a (maybe gzipped) file as text, for ``Format.sniff``; empty
    when the file cannot be read."""
    try:
        with open_binary(path) as stream:
            return stream.read(size).decode("utf-8", errors="replace")
    except (OSError, EOFError):
        return ""


def named(file_kind: FileKind, patterns: tuple[str, ...]) -> tuple[tuple[str, FileKind], ...]:
    """``Format.kinds`` entries giving ``file_kind`` every file name pattern."""
    return tuple((pattern, file_kind) for pattern in patterns)


class Unusable(Exception):  # noqa: N818 - a record's verdict, not a program error
    """A record the preset cannot read; the message is the quarantine's reason."""


@dataclass(frozen=True)
class Record:
    """One top-level record of a document: where it is, its value, and the page holding it
    (the enclosing object of an API response, for its side-loaded lists; empty if none)."""

    where: str
    line: int | None
    value: Any
    page: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """One flat row a record yields: its place under the record, its canonical values and the
    part of the record it came from (kept as the row's raw text)."""

    where: str
    values: Mapping[str, object]
    item: object


def records(path: Path, keys: tuple[str, ...]) -> Iterator[Record]:
    """The top-level records of a JSON export, in order: the items of an array, or of an
    array an object holds under one of ``keys`` (an API page such as ``{"issues": [...]}``),
    or JSON lines of either (one record or one page per line, streamed)."""
    with open_text(path, "utf-8-sig") as stream:
        first = stream.readline()
        try:
            head = json.loads(first) if first.strip() else None
        except json.JSONDecodeError:
            head = None
        if head is not None and isinstance(head, dict):
            yield from _json_lines(first, stream, keys)
            return
        text = first + stream.read()
    if not text.strip():
        raise FileProblem(f"{path}: empty file")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileProblem(f"{path}: line {exc.lineno}: invalid JSON: {exc.msg}") from None
    if isinstance(document, list):
        yield from _array(document, "", _item_lines(text, len(document)))
    elif isinstance(document, dict):
        yield from _page(document, "", None, keys)
    else:
        raise FileProblem(f"{path}: expected a JSON array or object, found "
                          f"{type(document).__name__}")  # fmt: skip


def _json_lines(first: str, stream: Iterable[str], keys: tuple[str, ...]) -> Iterator[Record]:
    yield from _line(1, first, keys)
    for number, line in enumerate(stream, start=2):
        yield from _line(number, line, keys)


def _line(number: int, text: str, keys: tuple[str, ...]) -> Iterator[Record]:
    if not text.strip():
        return
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Record(f"line {number}", number, Unusable(f"invalid JSON: {exc.msg}"))
        return
    if isinstance(value, dict):
        yield from _page(value, "", number, keys)
    else:
        yield Record(f"line {number}", number,
                     Unusable(f"expected a JSON object, found {type(value).__name__}"))  # fmt: skip


def _page(value: dict[str, Any], prefix: str, line: int | None,
          keys: tuple[str, ...]) -> Iterator[Record]:  # fmt: skip
    """The records of an object: its list under the first of ``keys`` it has, else itself."""
    key = next((k for k in keys if isinstance(value.get(k), list)), None)
    if key is None:
        yield Record(prefix or (f"line {line}" if line else "$"), line, value)
        return
    at = f"line {line} " if line else prefix
    for i, item in enumerate(value[key]):
        yield Record(f"{at}{key}[{i}]", line, item, value)


def _array(items: list[Any], prefix: str, lines: list[int | None]) -> Iterator[Record]:
    for i, item in enumerate(items):
        yield Record(f"{prefix}[{i}]", lines[i] if i < len(lines) else None, item)


def _item_lines(text: str, count: int) -> list[int | None]:
    """The line each item of a top-level array starts on (decoded again, item by item)."""
    decoder = json.JSONDecoder()
    out: list[int | None] = []
    pos = text.index("[") + 1
    line = 1 + text.count("\n", 0, pos)
    while len(out) < count:
        start = pos
        while start < len(text) and (text[start].isspace() or text[start] == ","):
            start += 1
        line += text.count("\n", pos, start)
        _, end = decoder.raw_decode(text, start)
        out.append(line)
        line += text.count("\n", start, end)
        pos = end
    return out


def reader(explode: Callable[[Record], Iterable[Row]],
           keys: tuple[str, ...]) -> Callable[[Path], Iterator[Chunk]]:  # fmt: skip
    """A ``FileKind.reader`` for a JSON document whose records ``explode`` into rows."""

    def read(path: Path) -> Iterator[Chunk]:
        rows = Rows()
        for record in records(path, keys):
            if isinstance(record.value, Unusable):
                rows.reject(record, None, str(record.value))
                continue
            if not isinstance(record.value, dict):
                found = type(record.value).__name__
                rows.reject(record, record.value, f"expected a JSON object, found {found}")
                continue
            try:
                exploded = list(explode(record))
            except Unusable as exc:
                rows.reject(record, record.value, str(exc))
                continue
            except (KeyError, TypeError, AttributeError) as exc:  # a field of the wrong shape
                rows.reject(record, record.value, f"not a record of this export: {_what(exc)}")
                continue
            for row in exploded:
                rows.add(record, row)
            yield from rows.full()
        yield from rows.rest()

    return read


def _what(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"it has no field {exc.args[0]!r}"
    return f"a field has the wrong shape ({exc})"


class Rows:
    """Numbers rows as they come and cuts them into chunks (:class:`readers.Chunk`)."""

    def __init__(self) -> None:
        self.count = 0
        self.values: list[Mapping[str, object]] = []
        self.lines: list[int] = []
        self.raws: list[str] = []
        self.rejected: list[Rejected] = []

    def add(self, record: Record, row: Row) -> None:
        """One row of ``record``."""
        self.count += 1
        self.values.append(row.values)
        self.lines.append(self.count)
        self.raws.append(raw_text(f"{record.where}{row.where}", record.line, row.item))

    def add_flat(self, where: str, line: int | None, values: Mapping[str, object],
                 item: object) -> None:  # fmt: skip
        """One row not taken from a JSON record (an XES event, say)."""
        self.add(Record(where, line, None), Row("", values, item))

    def reject(self, record: Record, item: object, reason: str) -> None:
        """A record that yields no row: it is quarantined whole, with ``reason``."""
        self.count += 1
        self.rejected.append(Rejected(self.count, raw_text(record.where, record.line, item),
                                      reason))  # fmt: skip

    def full(self) -> Iterator[Chunk]:
        """A chunk, once enough rows are waiting."""
        if len(self.values) >= CHUNK_ROWS:
            yield self._chunk()

    def rest(self) -> Iterator[Chunk]:
        """The last chunk, if anything is waiting."""
        if self.values or self.rejected or self.count == 0:
            yield self._chunk()

    def _chunk(self) -> Chunk:
        names: dict[str, None] = {}
        for values in self.values:
            names.update(dict.fromkeys(values))
        arrays = [pa.array([_text(v.get(n)) for v in self.values], pa.string()) for n in names]
        table = pa.table([*arrays, pa.array(self.lines, pa.int64()), pa.array(self.raws)],
                         names=[*names, "_line", "_raw"])  # fmt: skip
        chunk = Chunk(table, self.rejected)
        self.values, self.lines, self.raws, self.rejected = [], [], [], []
        return chunk


def _text(value: object) -> str | None:
    """A row value as the text the core types: lists as JSON, booleans as true/false."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def raw_text(where: str, line: int | None, item: object) -> str:
    """A row's raw text: where it came from, then its part of the record as JSON."""
    at = f"{where} (line {line})" if line is not None and not where.startswith("line") else where
    body = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False, default=str)
    text = f"{at}: {body}" if item is not None else at
    return text if len(text) <= MAX_RAW else f"{text[:MAX_RAW]}... (cut)"


def labels(values: Iterable[object]) -> str | None:
    """A ticket's labels as the canonical ``labels`` value: a JSON array of distinct,
    non-empty strings in first-seen order, or None when there are none."""
    seen = dict.fromkeys(str(v).strip() for v in values if v is not None and str(v).strip())
    return json.dumps(list(seen), ensure_ascii=False) if seen else None
