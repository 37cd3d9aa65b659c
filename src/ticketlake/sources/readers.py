"""Decode input files into chunks of string columns with their physical line numbers.

Rows keep the exact text they came from (``_raw``) so a quarantined row can be shown as it
was received. Structural problems (a CSV row with the wrong number of fields, a JSON line
that does not parse) are reported per row; a file that cannot be decoded at all raises
:class:`FileProblem`.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from ticketlake.errors import TicketlakeError

CHUNK_ROWS = 50_000
_READ_SIZE = 1 << 20
_FALLBACK = ("cp1252", "latin-1")
NUL = b"\x00"
csv.field_size_limit(1 << 27)


class FileProblem(TicketlakeError):  # noqa: N818 - reads better than FileProblemError
    """A file that is unusable as a whole; the message names the file and the problem."""


@dataclass(frozen=True)
class Fingerprint:
    """What we know about a file before parsing it."""

    sha256: str
    size: int
    encoding: str  # the text encoding its bytes decode with


@dataclass
class Rejected:
    """A row that could not even be split into fields."""

    line: int
    raw: str
    reason: str


@dataclass
class Chunk:
    """Up to ``CHUNK_ROWS`` rows: one string column per field plus ``_line`` and ``_raw``."""

    table: pa.Table
    rejected: list[Rejected] = field(default_factory=list)


def open_binary(path: Path) -> IO[bytes]:
    """Open ``path`` for reading, decompressing gzip files transparently."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def fingerprint(path: Path, encoding: str = "auto") -> Fingerprint:
    """Hash the file's bytes, then find an encoding that decodes all of them (a second read;
    a third and fourth only when UTF-8 fails)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_READ_SIZE):
            digest.update(block)
    size = path.stat().st_size
    return Fingerprint(digest.hexdigest(), size, _detect_encoding(path, encoding))


def _detect_encoding(path: Path, wanted: str) -> str:
    candidates = ("utf-8-sig", *_FALLBACK) if wanted == "auto" else (_codec(wanted),)
    for name in candidates:
        problem = _decode_problem(path, name)
        if problem is None:
            return name
        if wanted != "auto":
            raise FileProblem(f"{path}: cannot be decoded as {wanted}: {problem}")
    raise FileProblem(f"{path}: not a text file (undecodable bytes)")


def _codec(name: str) -> str:
    return "utf-8-sig" if codecs.lookup(name).name == "utf-8" else name


def _decode_problem(path: Path, encoding: str) -> str | None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    try:
        with open_binary(path) as handle:
            while block := handle.read(_READ_SIZE):
                if NUL in block:
                    return f"NUL byte near offset {offset + block.index(NUL)}"
                decoder.decode(block)
                offset += len(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return f"invalid byte at offset {offset + exc.start}"
    except (OSError, EOFError) as exc:
        raise FileProblem(f"{path}: cannot be read: {exc}") from None
    return None


def open_text(path: Path, encoding: str) -> IO[str]:
    """Open ``path`` as text in ``encoding`` with newlines kept as written."""
    return io.TextIOWrapper(open_binary(path), encoding=encoding, newline="")


# ---------------------------------------------------------------- CSV


class _Recorder:
    """Feeds lines to ``csv.reader`` and remembers them, so each row keeps its raw text."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.lines: list[str] = []

    def __iter__(self) -> Iterator[str]:
        for line in self.stream:
            self.lines.append(line)
            yield line

    def take(self) -> str:
        text = "".join(self.lines)
        self.lines.clear()
        return text.rstrip("\r\n")


def csv_header(path: Path, encoding: str) -> list[str]:
    """The first row of a CSV file (its column names), or [] when the file is empty."""
    with open_text(path, encoding) as stream:
        return next(csv.reader(stream), [])


def read_csv(path: Path, encoding: str) -> tuple[list[str], Iterator[Chunk]]:
    """The header of a CSV file and an iterator over its data rows in chunks."""
    header = csv_header(path, encoding)
    if not header or not any(h.strip() for h in header):
        raise FileProblem(f"{path}: empty file (no header row)")
    names = unique_names(header)
    return names, _csv_chunks(path, encoding, names)


def _csv_chunks(path: Path, encoding: str, names: list[str]) -> Iterator[Chunk]:
    width = len(names)
    with open_text(path, encoding) as stream:
        recorder = _Recorder(stream)
        reader = csv.reader(recorder)
        next(reader)
        recorder.take()
        rows: list[list[str]] = []
        lines: list[int] = []
        raws: list[str] = []
        rejected: list[Rejected] = []
        first = 2
        for record in reader:
            raw = recorder.take()
            line, first = first, reader.line_num + 1
            if not record or (record == [""] and not raw.strip()):
                continue
            if len(record) != width:
                rejected.append(Rejected(line, raw, f"{len(record)} fields instead of {width}"))
                continue
            rows.append(record)
            lines.append(line)
            raws.append(raw)
            if len(rows) >= CHUNK_ROWS:
                yield Chunk(_table(rows, lines, raws, names), rejected)
                rows, lines, raws, rejected = [], [], [], []
        if rows or rejected:
            yield Chunk(_table(rows, lines, raws, names), rejected)


def _table(rows: list[list[str]], lines: list[int], raws: list[str], names: list[str]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = [pa.array(c, pa.string()) for c in columns]
    return pa.table([*arrays, pa.array(lines, pa.int64()), pa.array(raws, pa.string())],
                    names=[*names, "_line", "_raw"])  # fmt: skip


def unique_names(header: list[str]) -> list[str]:
    """Column names made unique and non-empty: blanks become ``column_N``, repeats get ``_2``."""
    seen: dict[str, int] = {}
    names = []
    for i, raw in enumerate(header, start=1):
        name = raw.strip().lstrip("\ufeff") or f"column_{i}"
        count = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = count
        names.append(name if count == 1 else f"{name}_{count}")
    return names


# ---------------------------------------------------------------- JSON


def read_json(path: Path, encoding: str) -> Iterator[Chunk]:
    """Chunks of flattened JSON records from a JSON array or a JSON lines file."""
    records = _records(path, encoding)
    batch: list[tuple[int, str, dict[str, str | None] | None, str]] = []
    for item in records:
        batch.append(item)
        if len(batch) >= CHUNK_ROWS:
            yield _json_chunk(batch)
            batch = []
    if batch:
        yield _json_chunk(batch)


def _records(path: Path, encoding: str) -> Iterator[tuple[int, str, Any, str]]:
    """(line, raw text, flattened record or None, problem) for each record, lazily."""
    with open_text(path, encoding) as stream:
        head = stream.read(4096).lstrip("\ufeff \t\r\n")
    if not head:
        raise FileProblem(f"{path}: empty file")
    return _array_records(path, encoding) if head[0] == "[" else _line_records(path, encoding)


def _line_records(path: Path, encoding: str) -> Iterator[tuple[int, str, Any, str]]:
    with open_text(path, encoding) as stream:
        for number, line in enumerate(stream, start=1):
            text = line.rstrip("\r\n").lstrip("\ufeff") if number == 1 else line.rstrip("\r\n")
            if text.strip():
                yield _decode_record(number, text)


def _array_records(path: Path, encoding: str) -> Iterator[tuple[int, str, Any, str]]:
    with open_text(path, encoding) as stream:
        text = stream.read().lstrip("\ufeff")
    decoder = json.JSONDecoder()
    pos, line = text.index("[") + 1, 1 + text.count("\n", 0, text.index("["))
    while True:
        start = _skip(text, pos, ",")
        line += text.count("\n", pos, start)
        if start >= len(text) or text[start] == "]":
            return
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            raise FileProblem(f"{path}: line {line}: invalid JSON: {exc.msg}") from None
        yield _record(line, text[start:end], value)
        line += text.count("\n", start, end)
        pos = end


def _skip(text: str, pos: int, separators: str) -> int:
    while pos < len(text) and (text[pos].isspace() or text[pos] in separators):
        pos += 1
    return pos


def _decode_record(line: int, text: str) -> tuple[int, str, Any, str]:
    try:
        return _record(line, text, json.loads(text))
    except json.JSONDecodeError as exc:
        return line, text, None, f"invalid JSON: {exc.msg} (column {exc.colno})"


def _record(line: int, text: str, value: Any) -> tuple[int, str, Any, str]:
    if not isinstance(value, dict):
        return line, text, None, f"expected a JSON object, found {type(value).__name__}"
    return line, text, flatten(value), ""


def flatten(value: dict[str, Any], prefix: str = "") -> dict[str, str | None]:
    """Nested objects become dotted keys; lists are kept as JSON text; scalars as strings."""
    out: dict[str, str | None] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            out.update(flatten(item, f"{name}."))
        elif isinstance(item, list):
            out[name] = json.dumps(item, ensure_ascii=False)
        elif item is None:
            out[name] = None
        elif isinstance(item, bool):
            out[name] = "true" if item else "false"
        else:
            out[name] = str(item)
    return out


def _json_chunk(batch: list[tuple[int, str, Any, str]]) -> Chunk:
    good = [(line, raw, rec) for line, raw, rec, problem in batch if not problem]
    rejected = [Rejected(line, raw, problem) for line, raw, _, problem in batch if problem]
    names: dict[str, None] = {}
    for _, _, rec in good:
        names.update(dict.fromkeys(rec))
    arrays = [pa.array([rec.get(n) for _, _, rec in good], pa.string()) for n in names]
    lines = pa.array([g[0] for g in good], pa.int64())
    raws = pa.array([g[1] for g in good], pa.string())
    return Chunk(pa.table([*arrays, lines, raws], names=[*names, "_line", "_raw"]), rejected)


def first_record_keys(path: Path, encoding: str) -> list[str]:
    """Field names (dotted) of the first JSON record, for format detection; [] if none."""
    try:
        first = next((rec for _, _, rec, _ in _records(path, encoding) if rec is not None), None)
    except FileProblem:
        return []
    return [] if first is None else list(first)
