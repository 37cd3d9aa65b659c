"""What a file is before it is parsed: its fingerprint, text encoding, lines and header.

:func:`fingerprint` reads a file once: it hashes the bytes and notes what the readers need to
know to number rows by their physical line (how many lines, how many are blank, whether any
field may be quoted), and what makes the file unusable as text (NUL bytes, UTF-16 without a
byte-order mark). :class:`Lines` gives the exact text of chosen physical lines, streaming, for
the few rows that end in the quarantine. The parsing itself is DuckDB's (``staging.py``); the
Python readers at the end of this module are the exact fallback it uses for the files whose
records span lines (where DuckDB's line numbers are not physical lines) and for JSON arrays.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ticketlake.errors import TicketlakeError

CHUNK_ROWS = 50_000
BLOCK = 1 << 20
NUL = b"\x00"
MAX_RAW = 4096  # characters of a quarantined row's text kept; the rest is summarised
NOT_UTF8 = "the row is not valid UTF-8 (the rest of the file is); re-export it as UTF-8"
_SURROGATE = re.compile("[\udc80-\udcff]")
BOMS = {codecs.BOM_UTF8: "utf-8", codecs.BOM_UTF16_LE: "utf-16", codecs.BOM_UTF16_BE: "utf-16"}
csv.field_size_limit(1 << 31)


class FileProblem(TicketlakeError):  # noqa: N818 - reads better than FileProblemError
    """A file that is unusable as a whole; the message names the file and the problem."""


@dataclass(frozen=True)
class Stat:
    """What identifies a file's content without reading it: size, modification time, inode."""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> Stat:
        """The file's current stat."""
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns, st.st_ino)


@dataclass(frozen=True)
class Fingerprint:
    """What one read of a file found: its hash and stat, and facts about its text."""

    sha256: str
    stat: Stat
    lines: int  # physical lines of the (decompressed) text
    blank_lines: int  # of them, lines that are empty or hold only a carriage return
    quotes: bool  # whether a double quote occurs anywhere
    ascii: bool  # whether every byte is ASCII
    bom: str | None  # the encoding a byte-order mark names, if the text starts with one

    @property
    def size(self) -> int:
        """Size of the file in bytes."""
        return self.stat.size


def is_gzip(path: Path) -> bool:
    """Whether ``path`` starts with the gzip magic number."""
    with open(path, "rb") as probe:
        return probe.read(2) == b"\x1f\x8b"


def open_binary(path: Path) -> IO[bytes]:
    """Open ``path`` for reading, decompressing gzip files transparently."""
    if is_gzip(path):
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def fingerprint(path: Path) -> Fingerprint:
    """Hash ``path`` and scan its text in one pass (a gzip file's text is decompressed)."""
    stat = Stat.of(path)
    digest = hashlib.sha256()
    scan = _Scan()
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            while block := raw.read(BLOCK):
                digest.update(block)
                if not compressed:
                    scan.feed(block)
            if compressed:
                raw.seek(0)
                with gzip.GzipFile(fileobj=raw) as text:
                    while block := text.read(BLOCK):
                        scan.feed(block)
    except (OSError, EOFError) as exc:
        raise FileProblem(f"{path}: cannot be read: {_reason(exc)}") from None
    return scan.result(path, digest.hexdigest(), stat)


def _reason(exc: BaseException) -> str:
    """An OS error's reason without its number (``Input/output error``)."""
    return (exc.strerror if isinstance(exc, OSError) and exc.strerror else None) or str(exc)


class _Scan:
    """Facts about a text gathered block by block with C-speed bytes methods."""

    def __init__(self) -> None:
        self.offset = 0
        self.newlines = 0
        self.blank = 0
        self.quotes = False
        self.ascii = True
        self.nul: int | None = None
        self.head = b""
        self.last = b"\n"  # the text "before" the first byte ends a line

    def feed(self, block: bytes) -> None:
        if len(self.head) < 4:
            self.head += block[: 4 - len(self.head)]
        if self.nul is None and NUL in block:
            self.nul = self.offset + block.index(NUL)
        self.newlines += block.count(b"\n")
        self.blank += _blank_lines(self.last + block) - _blank_lines(self.last)
        self.quotes = self.quotes or b'"' in block
        self.ascii = self.ascii and block.isascii()
        self.last = (self.last + block)[-2:]
        self.offset += len(block)

    def result(self, path: Path, sha256: str, stat: Stat) -> Fingerprint:
        bom = next((enc for mark, enc in BOMS.items() if self.head.startswith(mark)), None)
        if self.nul is not None and bom != "utf-16":
            raise FileProblem(_nul_problem(path, self.head, self.nul))
        lines = self.newlines + (0 if self.offset == 0 or self.last.endswith(b"\n") else 1)
        blank = self.blank + (self.last == b"\n\r")  # a last line of just a carriage return
        return Fingerprint(sha256, stat, lines, blank, self.quotes, self.ascii, bom)


def _blank_lines(text: bytes) -> int:
    """Empty lines (``\\n\\n`` or ``\\n\\r\\n``) in ``text``, each counted once."""
    if b"\n\n" not in text and b"\n\r\n" not in text:
        return 0
    view = np.frombuffer(text, np.uint8)
    ends = np.flatnonzero(view == 10)
    gaps = np.diff(ends)
    crlf = (gaps == 2) & (view[np.minimum(ends[:-1] + 1, len(view) - 1)] == 13)
    return int(np.count_nonzero(gaps == 1) + np.count_nonzero(crlf))


def _nul_problem(path: Path, head: bytes, offset: int) -> str:
    if len(head) >= 2 and (head[0] == 0) != (head[1] == 0):
        return (f"{path}: looks like UTF-16 text without a byte-order mark; export it as "
                "UTF-8, or as UTF-16 with a byte-order mark")  # fmt: skip
    return f"{path}: not a text file (undecodable bytes: a NUL byte at offset {offset})"


def as_utf8(path: Path, encoding: str, out_dir: Path) -> Path:
    """``path`` itself when DuckDB can read it as it is (UTF-8, maybe gzipped), else a UTF-8
    copy in ``out_dir`` decoded from ``encoding`` (a strict decode: an undecodable byte fails
    the file with its offset)."""
    if codecs.lookup(encoding).name == "utf-8":
        return path
    target = out_dir / f"{path.name}.{os.getpid()}.utf8"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    try:
        with open_binary(path) as source, open(target, "w", encoding="utf-8", newline="") as out:
            while block := source.read(BLOCK):
                out.write(decoder.decode(block).lstrip("\ufeff") if offset == 0 else
                          decoder.decode(block))  # fmt: skip
                offset += len(block)
            out.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        target.unlink(missing_ok=True)
        raise FileProblem(f"{path}: cannot be decoded as {encoding}: invalid byte at offset "
                          f"{offset + exc.start}") from None  # fmt: skip
    return target


def check_decodes(path: Path, encoding: str) -> None:
    """Fail the file, naming the offset, if a byte of it does not decode as ``encoding``."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    try:
        with open_binary(path) as source:
            while block := source.read(BLOCK):
                decoder.decode(block)
                offset += len(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise FileProblem(f"{path}: cannot be decoded as {encoding}: invalid byte at offset "
                          f"{offset + exc.start}") from None  # fmt: skip


def legacy_encoding(path: Path) -> str | None:
    """For a file that is not valid UTF-8: ``cp1252`` or ``latin-1`` when no byte sequence in
    it is valid multi-byte UTF-8 (a single-byte export), None when some are (UTF-8 with a few
    bad rows, which are quarantined rather than the whole file decoded wrongly)."""
    utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
    cp1252 = codecs.getincrementaldecoder("cp1252")(errors="strict")
    single = "cp1252"
    with open_binary(path) as source:
        while block := source.read(BLOCK):
            if not utf8.decode(block).replace("\ufffd", "").isascii():
                return None
            if single == "cp1252":
                try:
                    cp1252.decode(block)
                except UnicodeDecodeError:
                    single = "latin-1"
    return single


def remove_copy(original: Path, read: Path) -> None:
    """Delete the UTF-8 copy :func:`as_utf8` made, if it made one."""
    if read != original:
        read.unlink(missing_ok=True)


# ---------------------------------------------------------------- physical lines


class Lines:
    """The exact text of chosen physical lines of a (UTF-8) file, found by streaming it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def text(self, wanted: Iterable[int]) -> dict[int, str]:
        """Line number -> its text without the line break (at most :data:`MAX_RAW`
        characters, with a note when the line is longer)."""
        todo = np.asarray(sorted(set(wanted)), dtype=np.int64)
        found: dict[int, bytearray] = {}
        for number, piece in self._pieces(todo):
            kept = found.setdefault(number, bytearray())
            if len(kept) <= MAX_RAW * 4:
                kept.extend(piece[: MAX_RAW * 4 + 1])
        return {n: _shown(bytes(b).rstrip(b"\r\n")) for n, b in found.items()}

    def blank(self) -> list[int]:
        """Numbers of the lines that are empty or hold only a carriage return."""
        out: list[int] = []
        line, head, length = 1, b"", 0  # the current line: its number, first bytes, length
        for block in self._blocks():
            view = np.frombuffer(block, np.uint8)
            ends = np.flatnonzero(view == 10)
            if len(ends) == 0:
                head, length = (head + block)[:2], length + len(block)
                continue
            first = (head + block[: ends[0]])[:2]
            if length + ends[0] == 0 or (length + ends[0] == 1 and first == b"\r"):
                out.append(line)
            gaps = np.diff(ends) - 1
            after = np.minimum(ends[:-1] + 1, len(block) - 1)
            empty = (gaps == 0) | ((gaps == 1) & (view[after] == 13))
            out += (line + 1 + np.flatnonzero(empty)).tolist()
            line += len(ends)
            rest = block[ends[-1] + 1 :]
            head, length = rest[:2], len(rest)
        if length == 1 and head == b"\r":  # a last line of just a carriage return
            out.append(line)
        return out

    def _blocks(self) -> Iterator[bytes]:
        with open_binary(self.path) as stream:
            while block := stream.read(BLOCK):
                yield block

    def _pieces(self, todo: npt.NDArray[np.int64]) -> Iterator[tuple[int, bytes]]:
        """(line, the part of it inside one block) for each wanted line, in order."""
        if not len(todo):
            return
        line = 1
        for block in self._blocks():
            ends = np.flatnonzero(np.frombuffer(block, np.uint8) == 10)
            starts = np.concatenate(([0], ends + 1))
            stops = np.concatenate((ends + 1, [len(block)]))
            numbers = line + np.arange(len(starts))
            for i in np.flatnonzero(np.isin(numbers, todo)):
                if starts[i] < stops[i]:
                    yield int(numbers[i]), block[starts[i] : stops[i]]
            line += len(ends)
            if line > todo[-1]:
                return


def _shown(data: bytes) -> str:
    """A row's bytes as text for the quarantine: undecodable bytes escaped, long rows cut."""
    text = data.decode("utf-8", errors="backslashreplace")
    if len(text) <= MAX_RAW:
        return text
    return f"{text[:MAX_RAW]}... (cut: the row is longer than {MAX_RAW:,} characters)"


# ---------------------------------------------------------------- headers


def open_text(path: Path, encoding: str, errors: str = "strict") -> IO[str]:
    """Open ``path`` as text in ``encoding`` with newlines kept as written."""
    return io.TextIOWrapper(open_binary(path), encoding=encoding, errors=errors, newline="")


def header_encoding(path: Path, declared: str) -> str:
    """The codec to read a file's header with: the declared one, UTF-16 for a file that
    starts with its byte-order mark, UTF-8 when the first line decodes as it, else cp1252."""
    if declared != "auto":
        return declared
    try:
        with open_binary(path) as stream:
            head = stream.read(1 << 16)
    except (OSError, EOFError) as exc:
        raise FileProblem(f"{path}: cannot be read: {_reason(exc)}") from None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if NUL in head:
        raise FileProblem(_nul_problem(path, head[:4], head.index(NUL)))
    try:
        head.split(b"\n", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def csv_header(path: Path, encoding: str) -> list[str]:
    """The first row of a CSV file (its column names), or [] when the file is empty."""
    codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    try:  # undecodable bytes after the header are the reader's business, not this one's
        with open_text(path, codec, errors="replace") as stream:
            return next(csv.reader(_limited(stream)), [])
    except (UnicodeDecodeError, csv.Error, OSError, EOFError) as exc:
        raise FileProblem(f"{path}: cannot read the header row: {exc}") from None


def _limited(stream: IO[str], limit: int = 1 << 20) -> Iterator[str]:
    """Lines of ``stream`` for the header, refusing a header longer than ``limit`` characters."""
    seen = 0
    for line in stream:
        seen += len(line)
        if seen > limit:
            raise csv.Error(f"the header row is longer than {limit:,} characters")
        yield line


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


def first_record_keys(path: Path, encoding: str) -> list[str]:
    """Field names (dotted) of the first JSON record, for format detection; [] if none."""
    try:
        records = _line_records(path, encoding, "replace")
        if is_json_array(path, encoding):
            records = _array_records(path, encoding)
        first = next((rec for _, _, rec, _ in records if rec is not None), None)
    except (FileProblem, UnicodeDecodeError, OSError, EOFError):
        return []
    return [] if first is None else list(first)


def is_json_array(path: Path, encoding: str) -> bool:
    """Whether a JSON file holds one array of records rather than JSON lines."""
    with open_text(path, encoding, errors="replace") as stream:
        head = stream.read(4096).lstrip("\ufeff \t\r\n")
    return head.startswith("[")


# ---------------------------------------------------------------- the exact Python readers


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
    # Records a format's own reader leaves out on purpose, counted by what they are (GitHub's
    # pull requests); the batch's reason reports them, so none is dropped silently.
    left_out: dict[str, int] = field(default_factory=dict)


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


def exact_csv(path: Path, encoding: str, names: list[str], max_row: int) -> Iterator[Chunk]:
    """Every data row of a CSV file with its physical line and raw text, read with Python's
    csv module (the fallback for files whose records span lines)."""
    width = len(names)
    with open_text(path, encoding, errors="surrogateescape") as stream:
        recorder = _Recorder(stream)
        reader = csv.reader(recorder)
        next(reader)
        recorder.take()
        rows: list[list[str]] = []
        lines: list[int] = []
        raws: list[str] = []
        rejected: list[Rejected] = []
        first = 2
        while True:
            try:
                record = next(reader, None)
            except csv.Error as exc:
                raw = recorder.take()
                rejected.append(Rejected(first, _cut(raw), f"unreadable row: {exc}"))
                first = reader.line_num + 1
                continue
            if record is None:
                break
            raw = recorder.take()
            line, first = first, reader.line_num + 1
            if not record or (record == [""] and not raw.strip()):
                continue
            if _SURROGATE.search(raw):
                rejected.append(Rejected(line, _cut(_escaped(raw)), NOT_UTF8))
            elif len(raw) > max_row:
                rejected.append(Rejected(line, _cut(raw), too_long(len(raw.encode()), max_row)))
            elif len(record) != width:
                rejected.append(
                    Rejected(line, _cut(raw), f"{len(record)} fields instead of {width}")
                )
            else:
                rows.append(record)
                lines.append(line)
                raws.append(raw)
            if len(rows) >= CHUNK_ROWS:
                yield Chunk(_table(rows, lines, raws, names), rejected)
                rows, lines, raws, rejected = [], [], [], []
        if rows or rejected:
            yield Chunk(_table(rows, lines, raws, names), rejected)


def _escaped(raw: str) -> str:
    """Text read with surrogate escapes, its undecodable bytes shown as ``\\xNN``."""
    return raw.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")


def too_long(size: int, limit: int) -> str:
    """The reason given for a row above ``ingest.max_row_bytes``."""
    return f"the row is {size:,} bytes, above the limit of {limit:,} bytes (ingest.max_row_bytes)"


def _cut(raw: str) -> str:
    return raw if len(raw) <= MAX_RAW else _shown(raw.encode("utf-8", errors="replace"))


def _table(rows: list[list[str]], lines: list[int], raws: list[str], names: list[str]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = [pa.array(c, pa.string()) for c in columns]
    return pa.table([*arrays, pa.array(lines, pa.int64()), pa.array(raws, pa.string())],
                    names=[*names, "_line", "_raw"])  # fmt: skip


def read_json_array(path: Path, encoding: str) -> Iterator[Chunk]:
    """Chunks of flattened JSON records from a file holding one JSON array."""
    batch: list[tuple[int, str, Any, str]] = []
    for item in _array_records(path, encoding):
        batch.append(item)
        if len(batch) >= CHUNK_ROWS:
            yield json_chunk(batch)
            batch = []
    if batch:
        yield json_chunk(batch)


def _line_records(path: Path, encoding: str,
                  errors: str = "strict") -> Iterator[tuple[int, str, Any, str]]:  # fmt: skip
    with open_text(path, encoding, errors) as stream:
        for number, line in enumerate(stream, start=1):
            text = line.rstrip("\r\n").lstrip("\ufeff") if number == 1 else line.rstrip("\r\n")
            if text.strip():
                yield decode_record(number, text)


def _array_records(path: Path, encoding: str) -> Iterator[tuple[int, str, Any, str]]:
    with open_text(path, encoding) as stream:
        text = stream.read().lstrip("\ufeff")
    if not text.strip():
        raise FileProblem(f"{path}: empty file")
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


def decode_record(line: int, text: str) -> tuple[int, str, Any, str]:
    """One JSON line decoded: (line, text, flattened record or None, problem)."""
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


def json_chunk(batch: list[tuple[int, str, Any, str]]) -> Chunk:
    """Decoded JSON records as one chunk: a column per dotted key, plus line and raw text."""
    good = [(line, raw, rec) for line, raw, rec, problem in batch if not problem]
    rejected = [Rejected(line, raw, problem) for line, raw, _, problem in batch if problem]
    names: dict[str, None] = {}
    for _, _, rec in good:
        names.update(dict.fromkeys(rec))
    arrays = [pa.array([rec.get(n) for _, _, rec in good], pa.string()) for n in names]
    lines = pa.array([g[0] for g in good], pa.int64())
    raws = pa.array([g[1] for g in good], pa.string())
    return Chunk(pa.table([*arrays, lines, raws], names=[*names, "_line", "_raw"]), rejected)
