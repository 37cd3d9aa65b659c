"""Stage a file's rows in DuckDB with DuckDB's own readers, each row numbered by its line.

A CSV file is parsed by ``read_csv`` (every column as text, strict quoting, a rejects table
for rows it cannot split); a JSON lines file is cut into lines in bulk and decoded by DuckDB's
JSON functions. Either way the rows land in :data:`relations.RAW` and the unsplittable rows in
:data:`relations.REJECTED`, with the physical line each begins on, as an editor shows it.

DuckDB numbers CSV records, not lines. The two agree when no record spans lines, which
:func:`_check` proves by counting: data rows + rejected rows + blank lines = lines after the
header. When they do not agree (a quoted field holds a line break) the file is read again by
the exact Python reader, which follows every line break itself. Text is kept only for
rejected and quarantined rows: it is read back from the file by line number
(:class:`readers.Lines`), never held for every row.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ticketlake.common import duck
from ticketlake.common.sqltext import ident, lit
from ticketlake.ingest import relations as rel
from ticketlake.sources import readers
from ticketlake.sources.readers import FileProblem, Fingerprint

_NULL = "\x00"  # DuckDB's null string: a NUL never reaches the reader, so every cell is text
_REJECTS = "_csv_rejects"


@dataclass(frozen=True)
class Limits:
    """What a row may be: its size in bytes."""

    max_row_bytes: int


@dataclass
class Staged:
    """A file staged in DuckDB: its column names and where its rows' text comes from."""

    columns: list[str]
    reader: str  # "duckdb", or "exact" for the Python fallback
    path: Path | None  # the UTF-8 file the rows were read from (None: RAW keeps the text)
    undecodable: int = 0  # rows rejected for not being UTF-8
    left_out: dict[str, int] = field(default_factory=dict)  # records a reader left out, by kind

    def raw_text(self, con: duckdb.DuckDBPyConnection, lines: Iterable[int]) -> dict[int, str]:
        """The text of the rows starting on ``lines``, for the quarantine."""
        wanted = sorted(set(lines))
        if not wanted:
            return {}
        if rel.has_column(con, rel.RAW, "_raw"):
            found = con.execute(f"SELECT _line, _raw FROM {rel.RAW.name} WHERE _line IN "
                                f"(SELECT unnest(?::BIGINT[]))", [wanted]).fetchall()  # fmt: skip
            texts = dict(found)
            missing = [n for n in wanted if n not in texts]
            if missing and self.path is not None:
                texts.update(readers.Lines(self.path).text(missing))
            return texts
        return readers.Lines(self.path).text(wanted) if self.path is not None else {}


def stage_csv(con: duckdb.DuckDBPyConnection, path: Path, fp: Fingerprint, limits: Limits,
              strict_utf8: bool) -> Staged:  # fmt: skip
    """Fill RAW and REJECTED from a UTF-8 CSV file (see the module docstring)."""
    header = readers.csv_header(path, "utf-8")
    if not header or not any(h.strip() for h in header):
        raise FileProblem(f"{path}: empty file (no header row)")
    names = readers.unique_names(header)
    try:
        rejects = _read_csv(con, path, names, limits)
    except duckdb.InvalidInputException:  # DuckDB gives up on the file as a whole (mixed line
        return _exact_csv(con, path, names, limits)  # endings, say): the exact reader will not
    if strict_utf8 and any(kind == "INVALID ENCODING" for _, _, kind, _ in rejects):
        line = next(n for n, _, kind, _ in rejects if kind == "INVALID ENCODING")
        raise FileProblem(f"{path}: cannot be decoded as utf-8: invalid byte on line {line}")
    lines = _lines(con, path, fp, rejects)
    if lines is None:
        return _exact_csv(con, path, names, limits)
    _number(con, lines)
    _rejected(con, path, len(names), limits, rejects)
    bad = sum(kind == "INVALID ENCODING" for _, _, kind, _ in rejects)
    return Staged(names, "duckdb", path, bad)


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, names: list[str],
              limits: Limits) -> list[tuple[int, int, str, str]]:  # fmt: skip
    """Parse into ``_csv``; return the rejects as (line, byte offset, error type, message)."""
    rel.drop(con, rel.RAW)
    for table in (_REJECTS, "_csv_scans", "_csv"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    columns = ", ".join(f"{lit(n)}: 'VARCHAR'" for n in names)
    con.execute(f"""CREATE TEMP TABLE _csv AS SELECT * FROM read_csv({lit(str(path))},
        columns = {{{columns}}}, header = true, auto_detect = false, delim = ',', quote = '"',
        escape = '"', strict_mode = true, nullstr = {lit(_NULL)}, allow_quoted_nulls = false,
        store_rejects = true, rejects_table = '{_REJECTS}', rejects_scan = '_csv_scans',
        max_line_size = {int(limits.max_row_bytes)},
        compression = '{"gzip" if readers.is_gzip(path) else "none"}')""")  # fmt: skip
    rows = con.execute(f"""SELECT line, min(line_byte_position), min(error_type),
            min(error_message) FROM {_REJECTS} GROUP BY line ORDER BY line""").fetchall()  # fmt: skip
    return [(int(a), int(b or 0), str(c), str(d)) for a, b, c, d in rows]


def _lines(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fp: Fingerprint,
    rejects: list[tuple[int, int, str, str]],
) -> npt.NDArray[np.int64] | None:
    """The physical line of each parsed row, in order; None when records span lines."""
    parsed = int(con.execute("SELECT count(*) FROM _csv").fetchall()[0][0])
    if parsed + len(rejects) + fp.blank_lines != fp.lines - 1:
        return None
    gaps = [n for n, *_ in rejects]
    if fp.blank_lines:
        gaps += readers.Lines(path).blank()
    every = np.arange(2, fp.lines + 1, dtype=np.int64)
    lines = np.setdiff1d(every, np.asarray(gaps, dtype=np.int64), assume_unique=False)
    return lines if len(lines) == parsed else None


def _number(con: duckdb.DuckDBPyConnection, lines: npt.NDArray[np.int64]) -> None:
    """RAW: the parsed rows with their lines, by position (DuckDB keeps the file's order).
    When no line is missing from the sequence (no rejected or blank line), a row's line is
    its position plus 2 and RAW is a view; otherwise the lines are joined on by position."""
    if len(lines) == 0 or lines[-1] - lines[0] == len(lines) - 1:
        first = int(lines[0]) if len(lines) else 2
        con.execute(f"CREATE TEMP VIEW {rel.RAW.name} AS "
                    f"SELECT *, rowid + {first} AS _line FROM _csv")  # fmt: skip
        return
    numbers = pa.table({"_line": pa.array(lines, pa.int64())})
    with duck.registered(con, "_numbers", numbers) as name:
        con.execute(f"CREATE TEMP TABLE {rel.RAW.name} AS "
                    f"SELECT * FROM _csv POSITIONAL JOIN {name}")  # fmt: skip
    con.execute("DROP TABLE _csv")


def _rejected(con: duckdb.DuckDBPyConnection, path: Path, width: int, limits: Limits,
              rejects: list[tuple[int, int, str, str]]) -> None:  # fmt: skip
    """REJECTED: each unsplittable row with its text and a reason a person can act on."""
    texts = readers.Lines(path).text(n for n, *_ in rejects)
    rows = [(n, texts.get(n, ""), _reason(kind, message, texts.get(n, ""), width, limits))
            for n, _, kind, message in rejects]  # fmt: skip
    rel.create(con, rel.REJECTED)
    if rows:
        duck.insert(con, rel.REJECTED.name, ["_line", "_raw", "reason"], rows)


def _reason(kind: str, message: str, raw: str, width: int, limits: Limits) -> str:
    if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        return f"{_fields(raw)} fields instead of {width}"
    if kind == "LINE SIZE OVER MAXIMUM":
        size = (
            message.rsplit("Actual Size:", 1)[-1].split(maxsplit=1)[0]
            if "Actual Size:" in message
            else "?"
        )
        return readers.too_long(int(size) if size.isdigit() else 0, limits.max_row_bytes)
    if kind == "INVALID ENCODING":
        return readers.NOT_UTF8
    if kind == "UNQUOTED VALUE":
        return "a quote inside an unquoted field, or text after a closing quote"
    return message.splitlines()[0] if message else kind.lower()


def _fields(raw: str) -> int | str:
    try:
        return len(next(csv.reader([raw]), []))
    except csv.Error:  # a lone carriage return inside the row, say
        return "the wrong number of"


def _exact_csv(con: duckdb.DuckDBPyConnection, path: Path, names: list[str],
               limits: Limits) -> Staged:  # fmt: skip
    """The fallback: Python's csv module follows every line break (rows keep their text)."""
    con.execute("DROP TABLE IF EXISTS _csv")
    _append_chunks(con, names, readers.exact_csv(path, "utf-8-sig", names, limits.max_row_bytes))
    bad = int(con.execute(f"SELECT count(*) FROM {rel.REJECTED.name} WHERE reason = ?",
                          [readers.NOT_UTF8]).fetchall()[0][0])  # fmt: skip
    return Staged(names, "exact", path, bad)


def _append_chunks(con: duckdb.DuckDBPyConnection, names: list[str],
                   chunks: Iterable[readers.Chunk]) -> list[str]:  # fmt: skip
    """RAW and REJECTED from the exact reader's chunks (new JSON keys become new columns)."""
    rel.drop(con, rel.RAW)
    rel.create(con, rel.REJECTED)
    columns = list(names)
    for chunk in chunks:
        if not rel.exists(con, rel.RAW):
            with duck.registered(con, "_part", chunk.table) as part:
                con.execute(f"CREATE TEMP TABLE {rel.RAW.name} AS SELECT * FROM {part}")
        else:
            known = set(rel.columns_of(con, rel.RAW))
            for name in chunk.table.column_names:
                if name not in known:
                    con.execute(f"ALTER TABLE {rel.RAW.name} ADD COLUMN {ident(name)} VARCHAR")
            with duck.registered(con, "_part", chunk.table) as part:
                con.execute(f"INSERT INTO {rel.RAW.name} BY NAME SELECT * FROM {part}")
        rows = [(r.line, r.raw, r.reason) for r in chunk.rejected]
        if rows:
            duck.insert(con, rel.REJECTED.name, ["_line", "_raw", "reason"], rows)
        columns += [c for c in chunk.table.column_names if c not in ("_line", "_raw", *columns)]
    if not rel.exists(con, rel.RAW):
        cols = "".join(f"{ident(c)} VARCHAR, " for c in columns)
        con.execute(f"CREATE TEMP TABLE {rel.RAW.name} ({cols}_line BIGINT, _raw VARCHAR)")
    return columns


# ---------------------------------------------------------------- a format's own reader


def stage_records(con: duckdb.DuckDBPyConnection, path: Path,
                  reader: Callable[[Path], Iterable[readers.Chunk]]) -> Staged:  # fmt: skip
    """Fill RAW and REJECTED from the chunks a format's own reader yields (a vendor
    document or XML: sources/documents.py); the rows keep their text."""
    if path.stat().st_size == 0:
        raise FileProblem(f"{path}: empty file")
    left_out: dict[str, int] = {}

    def counted() -> Iterator[readers.Chunk]:
        for chunk in reader(path):
            for what, n in chunk.left_out.items():
                left_out[what] = left_out.get(what, 0) + n
            yield chunk

    try:
        return Staged(_append_chunks(con, [], counted()), "exact", path, left_out=left_out)
    except UnicodeDecodeError:
        # A document is decoded as a whole, not row by row: a single-byte export is read
        # again in its encoding (the caller sees ``undecodable``); anything else fails.
        if readers.legacy_encoding(path) is None:
            raise FileProblem(f"{path}: not valid UTF-8, nor a single-byte encoding; "
                              f"re-export it as UTF-8") from None  # fmt: skip
        return Staged(_append_chunks(con, [], iter(())), "exact", path, undecodable=1)


# ---------------------------------------------------------------- JSON


def stage_json(con: duckdb.DuckDBPyConnection, path: Path, fp: Fingerprint, limits: Limits,
               strict_utf8: bool) -> Staged:  # fmt: skip
    """Fill RAW and REJECTED from a JSON file: JSON lines through DuckDB, a JSON array
    through the exact Python decoder."""
    if fp.lines in (0, fp.blank_lines):
        raise FileProblem(f"{path}: empty file")
    if readers.is_json_array(path, "utf-8-sig"):
        columns = _append_chunks(con, [], readers.read_json_array(path, "utf-8-sig"))
        return Staged(columns, "exact", path)
    _json_lines(con, path, limits)
    bad = con.execute("SELECT _line FROM _jlines WHERE j IS NULL AND size <= ?",
                      [limits.max_row_bytes]).fetchall()  # fmt: skip
    if strict_utf8 and bad:
        raise FileProblem(f"{path}: cannot be decoded as utf-8: invalid byte on line {bad[0][0]}")
    return Staged(_json_raw(con, path, limits), "duckdb", path, len(bad))


def _json_lines(con: duckdb.DuckDBPyConnection, path: Path, limits: Limits) -> None:
    """``_jlines(_line, j, size)``: every non-blank line, cut in bulk from the file's bytes
    (Arrow buffers over each block, no per-line Python), decoded by DuckDB (``j`` is NULL
    when the line is not valid UTF-8)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _jlines (_line BIGINT, j VARCHAR, size BIGINT)")
    for block in _line_blocks(path):
        with duck.registered(con, "_block", block) as part:
            con.execute(f"""INSERT INTO _jlines
                SELECT _line, CASE WHEN size <= ? THEN rtrim(ltrim(t, chr(65279)), chr(13) || chr(10)) END,
                       size
                FROM (SELECT _line, try(decode(b)) AS t, octet_length(b) AS size FROM {part})
                WHERE t IS NULL OR length(rtrim(t, chr(13) || chr(10))) > 0""",
                        [limits.max_row_bytes])  # fmt: skip


def _line_blocks(path: Path, block: int = 64 << 20) -> Iterable[pa.Table]:
    """Tables of (line number, bytes of the line) over ``block``-sized pieces of the file."""
    line, carry = 1, b""
    with readers.open_binary(path) as stream:
        while True:
            data = stream.read(block)
            text = carry + data
            if not text:
                return
            cut = len(text) if not data else text.rfind(b"\n") + 1
            if cut == 0:
                carry = text
                continue
            piece, carry = text[:cut], text[cut:]
            ends = np.flatnonzero(np.frombuffer(piece, np.uint8) == 10) + 1
            offsets = np.concatenate(([0], ends, [] if piece.endswith(b"\n") else [len(piece)]))
            count = len(offsets) - 1
            values = pa.LargeBinaryArray.from_buffers(
                pa.large_binary(), count,
                [None, pa.py_buffer(offsets.astype(np.int64)), pa.py_buffer(piece)],
            )  # fmt: skip
            yield pa.table({"_line": pa.array(np.arange(line, line + count)), "b": values})
            line += count
            if not data:
                return


def _json_raw(con: duckdb.DuckDBPyConnection, path: Path, limits: Limits) -> list[str]:
    """RAW (a column per dotted key of the objects, ``_line`` and ``_raw``) and REJECTED
    (lines that are too long, not UTF-8, not JSON or not an object)."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _jkind AS SELECT _line, j, size,
        CASE WHEN j IS NULL THEN NULL WHEN json_valid(j) THEN json_type(j::JSON) END AS kind
        FROM _jlines""")
    _json_rejected(con, path, limits)
    structure = con.execute(
        "SELECT json_group_structure(j::JSON) FROM _jkind WHERE kind = 'OBJECT'"
    ).fetchall()[0][0]
    paths = _leaves(json.loads(structure)) if structure else []
    selects = [f"{_extract(keys, leaf)} AS {ident('.'.join(keys))}" for keys, leaf in paths]
    rel.drop(con, rel.RAW)
    con.execute(f"""CREATE TEMP TABLE {rel.RAW.name} AS
        SELECT {''.join(s + ', ' for s in selects)}_line, j AS _raw
        FROM _jkind WHERE kind = 'OBJECT' ORDER BY _line""")  # fmt: skip
    con.execute("DROP TABLE _jkind")
    con.execute("DROP TABLE _jlines")
    return [".".join(keys) for keys, _ in paths]


def _json_rejected(con: duckdb.DuckDBPyConnection, path: Path, limits: Limits) -> None:
    rel.create(con, rel.REJECTED)
    rows = con.execute("SELECT _line, j, size, kind FROM _jkind WHERE kind IS DISTINCT FROM "
                       "'OBJECT' ORDER BY _line").fetchall()  # fmt: skip
    if not rows:
        return
    texts = readers.Lines(path).text(n for n, j, *_ in rows if j is None)
    out = []
    for line, text, size, kind in rows:
        if text is None and size > limits.max_row_bytes:
            out.append((line, texts.get(line, ""), readers.too_long(size, limits.max_row_bytes)))
        elif text is None:
            out.append((line, texts.get(line, ""), readers.NOT_UTF8))
        else:
            shown = (
                text if len(text) <= readers.MAX_RAW else texts.get(line, text[: readers.MAX_RAW])
            )
            out.append((line, shown, readers.decode_record(line, text)[3] or f"not JSON ({kind})"))
    duck.insert(con, rel.REJECTED.name, ["_line", "_raw", "reason"], out)


def _leaves(node: object, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """(key path, kind) of every leaf of a ``json_group_structure``: objects are walked,
    anything else (a scalar type, a list, mixed ``JSON``) is a leaf."""
    if isinstance(node, dict) and (node or not prefix):
        out = []
        for key, child in node.items():
            out += _leaves(child, (*prefix, str(key)))
        return out
    return [(prefix, "list" if isinstance(node, list) else str(node))]


def _extract(keys: tuple[str, ...], leaf: str) -> str:
    """SQL giving one leaf as text: lists and mixed values as JSON text, scalars unquoted."""
    path = "$" + "".join("." + '"' + k.replace('"', '\\"') + '"' for k in keys)
    if leaf == "list":
        return f"json_extract(j, {lit(path)})::VARCHAR"
    if leaf == "JSON":
        return (f"CASE WHEN json_type(j, {lit(path)}) IN ('OBJECT', 'ARRAY') "
                f"THEN json_extract(j, {lit(path)})::VARCHAR "
                f"ELSE json_extract_string(j, {lit(path)}) END")  # fmt: skip
    return f"json_extract_string(j, {lit(path)})"
