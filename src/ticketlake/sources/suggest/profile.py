"""Profile the columns of a CSV or JSON export with DuckDB: kinds, cardinality, value sets,
date formats and offsets, for ``map suggest`` to match against what it knows.

The file is read once into a temporary table of text columns (JSON records flattened to
dotted names, lists kept as JSON text, as ingest reads them); every figure is then one SQL
aggregate over that table, never a loop over rows in Python.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ticketlake.common.duck import Config, connect
from ticketlake.common.sqltext import ident, lit
from ticketlake.config.defaults import DEFAULT_NULL_MARKERS
from ticketlake.errors import UsageError
from ticketlake.ingest.parsing import TimeRules, cleaned, parse_time, zone_of
from ticketlake.sources.readers import FileProblem, as_utf8, header_encoding, legacy_encoding

VALUE_LIMIT = 40  # columns with at most this many distinct values get their value set
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
DATE_LIKE = r"^(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|[A-Za-z]{3}, \d{1,2} )"
# strftime patterns tried on times ISO 8601 does not read, most common first; day-first
# before month-first, and an ambiguous column says which others also read it.
DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M",
    "%m-%d-%Y %H:%M:%S", "%m-%d-%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y",
)  # fmt: skip


@dataclass(frozen=True)
class TimeProfile:
    """How a column's times are written: the pattern that reads them (None: ISO 8601, read
    without a ``date_format``), other patterns that read them too, and their offsets."""

    date_format: str | None
    parsed: int  # values the chosen way reads
    alternatives: tuple[str, ...] = ()
    offsets: tuple[tuple[str, int], ...] = ()  # 'Z', '+01:00', ... with counts
    zones: tuple[tuple[str, int], ...] = ()  # zone names such as CET, with counts
    naive: int = 0  # values without offset or zone name


@dataclass(frozen=True)
class Column:
    """One column: how many rows fill it, how many distinct values, what kind of values."""

    name: str
    filled: int
    distinct: int
    kind: str  # empty, integer, number, boolean, time, list, text
    values: tuple[tuple[str, int], ...] | None = None  # value counts, most frequent first
    time: TimeProfile | None = None


@dataclass(frozen=True)
class Profile:
    """A file's shape: its container, rows and columns."""

    path: Path
    container: str  # csv or json
    rows: int
    columns: tuple[Column, ...]
    delimiter: str = ","
    encoding: str = "utf-8"

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        return next(c for c in self.columns if c.name == name)


def profile(path: Path, config: Config | None = None) -> Profile:
    """Profile ``path`` (CSV, JSON array or JSON lines, plain or gzip); a file that cannot
    be read is a :class:`UsageError` naming it."""
    if not path.is_file():
        raise UsageError(f"cannot read {path}: not a file")
    con = connect(config or {"threads": 1})
    try:
        with tempfile.TemporaryDirectory(prefix="ticketlake-suggest-") as scratch:
            container, delimiter, encoding = _load(con, path, Path(scratch))
        rows = int(con.execute("SELECT count(*) FROM _raw").fetchall()[0][0])
        if rows == 0:
            raise UsageError(f"cannot read {path}: it holds no data rows")
        names = [r[0] for r in con.execute("DESCRIBE _raw").fetchall()]
        columns = tuple(_columns(con, names))
    finally:
        con.close()
    return Profile(path, container, rows, columns, delimiter, encoding)


def _load(con: duckdb.DuckDBPyConnection, path: Path, scratch: Path) -> tuple[str, str, str]:
    """Read ``path`` into the text table ``_raw``; (container, delimiter, encoding)."""
    try:
        codec = header_encoding(path, "auto")  # refuses binary files, UTF-16 without its mark
        if _is_json(path):
            _load_json(con, path)
            return "json", ",", "utf-8"
        return ("csv", *_load_csv(con, path, codec, scratch))
    except FileProblem as exc:
        raise UsageError(f"cannot read {exc}") from None
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0].split(": ", 1)[-1].strip()
        raise UsageError(f"cannot read {path}: {reason}") from None


def _load_csv(con: duckdb.DuckDBPyConnection, path: Path, codec: str,
              scratch: Path) -> tuple[str, str]:  # fmt: skip
    """A CSV file read as ingest's ``encoding: auto`` reads it: UTF-8, UTF-16 with its mark,
    or a single-byte encoding when no byte sequence is UTF-8; (delimiter, encoding)."""
    if codec == "utf-16":
        return _read_csv(con, as_utf8(path, codec, scratch)), codec
    try:
        return _read_csv(con, path), "utf-8"
    except duckdb.Error:
        legacy = legacy_encoding(path)
        if legacy is None:
            raise
        return _read_csv(con, as_utf8(path, legacy, scratch)), legacy


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """Read a UTF-8 CSV file into ``_raw`` with the delimiter DuckDB's sniffer finds; that one."""
    source = lit(str(path))
    delimiter = str(con.execute(f"SELECT Delimiter FROM sniff_csv({source})").fetchall()[0][0])
    con.execute(f"CREATE OR REPLACE TEMP TABLE _raw AS SELECT * FROM read_csv({source}, "
                f"all_varchar = true, header = true, delim = {lit(delimiter)})")  # fmt: skip
    return delimiter


def _is_json(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(JSON_SUFFIXES)


def _load_json(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """JSON records flattened to one text column per dotted path, as ingest reads them."""
    con.execute(f"CREATE TEMP TABLE _obj AS SELECT json FROM read_json_objects("
                f"{lit(str(path))}, format = 'auto') WHERE json_type(json) = 'OBJECT'")  # fmt: skip
    structure = con.execute("SELECT json_group_structure(json) FROM _obj").fetchall()[0][0]
    paths = list(_leaves(json.loads(structure) if structure else {}))
    if not paths:
        raise UsageError(f"cannot read {path}: no JSON records with fields")
    selects = ", ".join(
        f"json_extract_string(json, {lit(_json_path(p))}) AS {ident('.'.join(p))}" for p in paths
    )
    con.execute(f"CREATE TEMP TABLE _raw AS SELECT {selects} FROM _obj")


def _leaves(node: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The key paths of a JSON structure down to values that are not objects."""
    for key, value in node.items():
        if isinstance(value, dict) and value:
            yield from _leaves(value, (*prefix, key))
        else:
            yield (*prefix, key)


def _json_path(keys: tuple[str, ...]) -> str:
    return "$" + "".join('."' + k.replace('"', '\\"') + '"' for k in keys)


def _columns(con: duckdb.DuckDBPyConnection, names: list[str]) -> Iterator[Column]:
    """Profile every column of ``_raw``: a first pass for counts and kinds, then value sets
    for the columns with few values and time formats for the ones that hold dates."""
    cells = ", ".join(f"{cleaned(n, DEFAULT_NULL_MARKERS)} AS {ident(n)}" for n in names)
    con.execute(f"CREATE TEMP VIEW _cells AS SELECT {cells} FROM _raw")
    for name in names:
        filled, distinct, kind = _basics(con, name)
        values = _values(con, name) if 0 < distinct <= VALUE_LIMIT else None
        time = _time(con, name, filled) if kind == "time" else None
        yield Column(name, filled, distinct, kind, values, time)


def _basics(con: duckdb.DuckDBPyConnection, name: str) -> tuple[int, int, str]:
    """(filled, distinct, kind) of one column."""
    c = ident(name)
    row = con.execute(f"""SELECT count({c}), count(DISTINCT {c}),
        count(try_cast({c} AS BIGINT)), count(try_cast({c} AS DOUBLE)),
        count(CASE WHEN lower({c}) IN ('true', 'false') THEN 1 END),
        count(CASE WHEN regexp_matches({c}, {lit(DATE_LIKE)}) THEN 1 END),
        count(CASE WHEN starts_with({c}, '[') AND ends_with({c}, ']') THEN 1 END)
        FROM _cells""").fetchall()[0]  # fmt: skip
    filled, distinct, integer, number, boolean, date_like, listed = (int(v) for v in row)
    kinds = [("integer", integer), ("number", number), ("boolean", boolean),
             ("time", date_like), ("list", listed)]  # fmt: skip
    kind = next((k for k, n in kinds if n == filled), "text") if filled else "empty"
    return filled, distinct, kind


def _values(con: duckdb.DuckDBPyConnection, name: str) -> tuple[tuple[str, int], ...]:
    c = ident(name)
    rows = con.execute(f"SELECT {c}, count(*) FROM _cells WHERE {c} IS NOT NULL "
                       f"GROUP BY {c} ORDER BY count(*) DESC, {c}").fetchall()  # fmt: skip
    return tuple((str(v), int(n)) for v, n in rows)


def _time(con: duckdb.DuckDBPyConnection, name: str, filled: int) -> TimeProfile:
    """The way that reads the column's times (ISO 8601 first, then ``DATE_FORMATS``), with
    the offsets and zone names the values carry."""
    c = ident(name)
    offsets, zones, naive = _zones(con, c)
    # A zone name counts as read here; the suggestion asks the user what it means.
    rules = TimeRules("UTC", zone_names={zone.upper(): "+00:00" for zone, _ in zones})
    tries = [parse_time(c, rules), *(f"try_strptime({c}, {lit(f)})" for f in DATE_FORMATS)]
    counts = con.execute(
        f"SELECT {', '.join(f'count({t})' for t in tries)} FROM _cells"
    ).fetchall()[0]
    iso, *by_format = (int(n) for n in counts)
    if iso == filled:
        return TimeProfile(None, iso, (), offsets, zones, naive)
    full = [f for f, n in zip(DATE_FORMATS, by_format, strict=True) if n == filled]
    if full:
        return TimeProfile(full[0], filled, tuple(full[1:]), offsets, zones, naive)
    best = max(zip(by_format, DATE_FORMATS, strict=True))
    chosen = (best[1], best[0]) if best[0] > iso else (None, iso)
    return TimeProfile(chosen[0], chosen[1], (), offsets, zones, naive)


def _zones(con: duckdb.DuckDBPyConnection, c: str) -> tuple[tuple[tuple[str, int], ...],
                                                            tuple[tuple[str, int], ...], int]:  # fmt: skip
    """(offsets with counts, zone names with counts, values with neither) of a column."""
    offset = f"nullif(regexp_extract({c}, '(Z|z|[+-]\\d\\d:?\\d\\d)$', 1), '')"
    rows = con.execute(f"""SELECT coalesce({offset}, '~' || {zone_of(c)}) AS o, count(*)
        FROM _cells WHERE {c} IS NOT NULL GROUP BY o ORDER BY count(*) DESC, o""").fetchall()
    offsets = tuple((str(o), int(n)) for o, n in rows if o is not None and not o.startswith("~"))
    zones = tuple((str(o)[1:], int(n)) for o, n in rows if o is not None and o.startswith("~"))
    naive = sum(int(n) for o, n in rows if o is None)
    return offsets, zones, naive
