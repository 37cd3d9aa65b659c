"""Validate a staged file and turn its rows into canonical events, links and sightings, in SQL.

The reader leaves RAW and REJECTED (ingest/relations.py). :func:`transform` types RAW into
TYPED, finds each row's first problem (PROBLEMS), keeps the rest (VALID), runs the format's
SQL over VALID and leaves EVENTS, LINKS, SIGHTINGS and QUARANTINE behind, returning the row
counts the ledger records. What the lake already holds is asked of the key index attached as
``idx`` (lake/index.py), for the batch's tickets only: no statement reads the lake's files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from ticketlake.common import duck
from ticketlake.common.duck import scalar
from ticketlake.common.sqltext import ident, lit
from ticketlake.ingest import parsing
from ticketlake.ingest import relations as rel
from ticketlake.ingest.parsing import TimeRules, cleaned, parse_bool, parse_int, parse_time
from ticketlake.lake import schema
from ticketlake.lake.index import ALIAS
from ticketlake.sources.base import (
    FIELDS,
    ID_FIELDS,
    LATER_FIELDS,
    LIST_FIELDS,
    FileKind,
    normalise_name,
)

_TYPES = {"text": "VARCHAR", "time": "TIMESTAMP", "int": "BIGINT", "real": "DOUBLE",
          "bool": "BOOLEAN"}  # fmt: skip
COUNTERS = ("reopen_count", "reassignment_count")
SAMPLE = 1000  # values of each time column whose shape decides which shape is tested first
RawText = Callable[[Sequence[int]], dict[int, str]]  # lines -> the rows' text as received
LakeFiles = Callable[[str, Sequence[str]], list[str]]  # (lake table, batch ids) -> files


@dataclass(frozen=True)
class Reading:
    """How to read one source's values: its time zone, date format, null markers and the
    time-zone names it maps."""

    timezone: str
    date_format: str | None
    null_markers: tuple[str, ...]
    zone_names: Mapping[str, str] = field(default_factory=dict)

    @property
    def times(self) -> TimeRules:
        """The rules for this source's times."""
        return TimeRules(self.timezone, self.date_format, self.zone_names)


@dataclass(frozen=True)
class Plausible:
    """The window a timestamp must fall in (``ingest.plausible_from`` and ``..._years_ahead``)."""

    earliest: datetime
    latest: datetime


@dataclass(frozen=True)
class Lineage:
    """Where the rows come from, stamped on every output row."""

    source: str
    batch_id: str
    batch_seq: int
    source_file: str


@dataclass(frozen=True)
class Counts:
    """Row counts of one batch, as the ledger records them."""

    rows_loaded: int
    rows_quarantined: int
    duplicates: int
    events: int
    links: int


@dataclass(frozen=True)
class Batch:
    """Everything :func:`transform` needs besides the connection."""

    kind: FileKind
    mapping: Mapping[str, str]
    columns: Sequence[str]
    reading: Reading
    lineage: Lineage
    derived: Mapping[str, str]
    plausible: Plausible
    raw_text: RawText
    lake_files: LakeFiles


def transform(con: duckdb.DuckDBPyConnection, batch: Batch) -> Counts:
    """Run validation and the format's SQL over RAW; see the module docstring."""
    con.execute(_typed_sql(con, batch))
    con.execute(_problems_sql(batch))
    _confirm_repeats(con, batch)
    con.execute(f"INSERT INTO {rel.PROBLEMS.name} SELECT _line, NULL, 'malformed_row', reason "
                f"FROM {rel.REJECTED.name}")  # fmt: skip
    # VALID is a view over TYPED (not a copy of it) without the lines that have a problem
    # now; the lines that later steps add to PROBLEMS stay in it, as they would in a copy.
    con.execute(f"CREATE OR REPLACE TEMP TABLE _invalid AS SELECT DISTINCT _line "
                f"FROM {rel.PROBLEMS.name}")  # fmt: skip
    con.execute(f"CREATE OR REPLACE TEMP VIEW {rel.VALID.name} AS SELECT * FROM "
                f"{rel.TYPED.name} ANTI JOIN _invalid USING (_line)")  # fmt: skip
    _events(con, batch)
    _links(con, batch)
    _sightings(con, batch)
    _quarantine(con, batch)
    return _counts(con)


# ---------------------------------------------------------------- typing


def _typed_sql(con: duckdb.DuckDBPyConnection, batch: Batch) -> str:
    mapping, reading, derived = batch.mapping, batch.reading, batch.derived
    first = _first_shapes(con, batch)
    inner = ["_line"]
    outer = ["_line", "_row"]
    gathered = list_columns(batch.kind, batch.columns, mapping)
    for name, kind in FIELDS.items():
        if name in derived:
            outer.append(f"{derived[name]} AS {name}")
        elif name in gathered:
            values = ", ".join(cleaned(c, reading.null_markers) for c in gathered[name])
            inner.append(f"[{values}] AS {name}__list")
            outer.append(f"{_as_list(name + '__list')} AS {name}")
        elif name in mapping and name in LIST_FIELDS:
            raw = f"{name}__raw"
            inner.append(f"{cleaned(mapping[name], reading.null_markers)} AS {raw}")
            split = (f"CASE WHEN json_valid({raw}) AND json_type({raw}) = 'ARRAY' "
                     f"THEN CAST({raw}::JSON AS VARCHAR[]) "
                     f"ELSE string_split_regex({raw}, '\\s*[;,]\\s*') END")  # fmt: skip
            outer += [raw, f"{_as_list(split)} AS {name}"]
        elif name in mapping:
            raw = f"{name}__raw"
            inner.append(f"{cleaned(mapping[name], reading.null_markers)} AS {raw}")
            outer += [raw, f"{_parse(kind, raw, reading, first.get(name, 'naive'))} AS {name}"]
        else:
            outer.append(f"CAST(NULL AS {_TYPES[kind]}) AS {name}")
    outer += [f"{expr} AS {name}" for name, expr in derived.items() if name not in FIELDS]
    used = set(mapping.values()) | {c for cols in gathered.values() for c in cols}
    extra = [c for c in batch.columns if c not in used]
    packed = ", ".join(f"{lit(c)}, {ident(c)}" for c in extra)
    inner.append(f"json_object({packed})::VARCHAR AS _attributes" if extra else
                 "CAST(NULL AS VARCHAR) AS _attributes")  # fmt: skip
    inner.append(_row_columns(con, batch))
    outer.append("_attributes")
    return (f"CREATE OR REPLACE TEMP TABLE {rel.TYPED.name} AS SELECT {', '.join(outer)} "
            f"FROM (SELECT {', '.join(inner)} FROM {rel.RAW.name})")  # fmt: skip


def list_columns(kind: FileKind, columns: Sequence[str],
                 mapping: Mapping[str, str]) -> dict[str, list[str]]:  # fmt: skip
    """List field -> every column of the file that holds one of its values (the repeats of a
    name ``kind.lists`` gives), unless the field is mapped explicitly."""
    out: dict[str, list[str]] = {}
    for name, synonyms in (kind.lists or {}).items():
        wanted = {normalise_name(s) for s in synonyms}
        found = [c for c in columns if re.sub(r"_\d+$", "", normalise_name(c)) in wanted
                 or normalise_name(c) in wanted]  # fmt: skip
        if found and name not in mapping:
            out[name] = found
    return out


def _as_list(values: str) -> str:
    """A list of texts as the canonical JSON array: trimmed, blanks dropped, each value once
    (first seen first); NULL when none is left."""
    kept = (f"list_filter(list_transform({values}, lambda x: trim(x)), "
            f"lambda x, i: x IS NOT NULL AND x <> '' "
            f"AND list_position(list_transform({values}, lambda y: trim(y)), x) = i)")  # fmt: skip
    return f"CASE WHEN len({kept}) > 0 THEN to_json({kept})::VARCHAR END"


def _content(con: duckdb.DuckDBPyConnection, batch: Batch) -> list[str]:
    """The columns of RAW that are a row's content: its text when the reader kept it, else
    its fields. A document's rows (a format's own reader) are their fields: their text names
    where in the document they are, which a repeated record does not share."""
    if batch.kind.reader is None and rel.has_column(con, rel.RAW, "_raw"):
        return ["_raw"]
    return list(batch.columns)


def _row_columns(con: duckdb.DuckDBPyConnection, batch: Batch) -> str:
    """A hash of the row's content, to find repeated rows cheaply (:func:`_confirm_repeats`
    then compares the content itself, so a hash collision never drops a row)."""
    content = _content(con, batch)
    if not content:
        return "NULL AS _row"
    return f"hash({', '.join(ident(c) for c in content)}) AS _row"


def _first_shapes(con: duckdb.DuckDBPyConnection, batch: Batch) -> dict[str, str]:
    """Per mapped time field, the shape most of its first values have."""
    times = [n for n, k in FIELDS.items() if k == "time" and n in batch.mapping]
    if not times or batch.reading.date_format:
        return {}
    cols = ", ".join(ident(batch.mapping[n]) for n in times)
    rows = con.execute(f"SELECT {cols} FROM {rel.RAW.name} LIMIT {SAMPLE}").fetchall()
    return {n: parsing.order([str(r[i]).strip() for r in rows if r[i] and str(r[i]).strip()])
            for i, n in enumerate(times)}  # fmt: skip


def _parse(kind: str, text: str, reading: Reading, first: str) -> str:
    if kind == "time":
        return parse_time(text, reading.times, first)
    if kind == "int":
        return parse_int(text)
    if kind == "real":
        return f"try_cast({text} AS DOUBLE)"
    return parse_bool(text) if kind == "bool" else text


# ---------------------------------------------------------------- problems


def _problem(column: str, error_class: str, reason: str) -> str:
    return f"struct_pack(c := {lit(column)}, k := {lit(error_class)}, r := {reason})"


def _problems_sql(batch: Batch) -> str:
    """One CASE picks each row's first problem; the order of the checks is the precedence."""
    mapping = batch.mapping
    checks = []
    for name in batch.kind.required:
        cls = "missing_id" if name in ID_FIELDS else "missing_value"
        col = mapping[name]
        checks.append((f"{name}__raw IS NULL", _problem(col, cls, lit(f"{col} is empty"))))
    for name, ftype in FIELDS.items():
        if name in mapping and ftype != "text":
            checks.append(_unparseable(name, ftype, mapping[name], batch.reading))
    checks += _implausible(batch)
    if "created_at" in mapping:
        for name in (n for n in LATER_FIELDS if n in mapping):
            col = mapping[name]
            reason = (f"{lit(col + ' ')} || {name}__raw || "
                      f"{lit(' is before the ticket was created (')} || created_at__raw || ')'")  # fmt: skip
            checks.append((f"{name} < created_at", _problem(col, "impossible_timestamp", reason)))
    dup = "'repeats line ' || min(_line) OVER (PARTITION BY _row)"
    checks.append(("_line > min(_line) OVER (PARTITION BY _row)",
                   f"struct_pack(c := CAST(NULL AS VARCHAR), k := 'duplicate_row', r := {dup})"))  # fmt: skip
    cases = " ".join(f"WHEN {cond} THEN {value}" for cond, value in checks)
    return (f"CREATE OR REPLACE TEMP TABLE {rel.PROBLEMS.name} AS SELECT _line, "
            "p.c AS column_name, p.k AS error_class, p.r AS reason "
            f"FROM (SELECT _line, CASE {cases} END AS p FROM {rel.TYPED.name}) "
            "WHERE p IS NOT NULL")  # fmt: skip


def _confirm_repeats(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    """Keep a ``duplicate_row`` only where the row's content equals the earlier row's."""
    same = " AND ".join(f"a.{ident(c)} IS NOT DISTINCT FROM b.{ident(c)}"
                        for c in _content(con, batch)) or "true"  # fmt: skip
    if not scalar(con, f"SELECT count(*) FROM {rel.PROBLEMS.name} "
                       "WHERE error_class = 'duplicate_row'"):  # fmt: skip
        return
    con.execute(f"""DELETE FROM {rel.PROBLEMS.name} WHERE error_class = 'duplicate_row'
        AND _line IN (
            SELECT d._line
            FROM (SELECT _line, min(_line) OVER (PARTITION BY _row) AS first
                  FROM {rel.TYPED.name}) d
            JOIN {rel.RAW.name} a ON a._line = d._line
            JOIN {rel.RAW.name} b ON b._line = d.first
            WHERE d._line > d.first AND NOT ({same}))""")  # fmt: skip


def _unparseable(name: str, ftype: str, col: str, reading: Reading) -> tuple[str, str]:
    cls = "unparseable_timestamp" if ftype == "time" else "invalid_value"
    what = {"time": "a timestamp", "real": "a number"}.get(ftype, f"a valid {ftype}")
    reason = f"{lit(col + ' is not ' + what + ': ')} || {name}__raw"
    if ftype == "time" and not reading.date_format:
        zone = parsing.zone_of(f"{name}__raw")
        ends = lit(" ends in the time-zone name ")
        ambiguous = lit(", which is ambiguous: map it with sources[].zone_names, for example ")
        example = lit(": '+01:00'")
        reason = (f"CASE WHEN {zone} IS NOT NULL THEN {lit(col + ' ')} || {name}__raw || "
                  f"{ends} || {zone} || {ambiguous} || {zone} || {example} "
                  f"ELSE {reason} END")  # fmt: skip
    return f"{name}__raw IS NOT NULL AND {name} IS NULL", _problem(col, cls, reason)


def _implausible(batch: Batch) -> list[tuple[str, str]]:
    """Times outside the plausible window, and negative counters."""
    low, high = batch.plausible.earliest, batch.plausible.latest
    window = f"{low:%Y-%m-%d} to {high:%Y-%m-%d}"
    checks = []
    for name, ftype in FIELDS.items():
        col = batch.mapping.get(name)
        if col is None or name in batch.derived:
            continue
        if ftype == "time":
            outside = lit(f" is outside the plausible range {window} "
                          "(ingest.plausible_from, ingest.plausible_years_ahead)")  # fmt: skip
            reason = f"{lit(col + ' ')} || {name}__raw || {outside}"
            cond = (f"({name} < TIMESTAMP '{low:%Y-%m-%d %H:%M:%S}' "
                    f"OR {name} > TIMESTAMP '{high:%Y-%m-%d %H:%M:%S}')")  # fmt: skip
            checks.append((cond, _problem(col, "implausible_timestamp", reason)))
        elif name in COUNTERS:
            reason = f"{lit(col + ' is negative: ')} || {name}__raw"
            checks.append((f"{name} < 0", _problem(col, "implausible_value", reason)))
    return checks


# ---------------------------------------------------------------- outputs


def _events(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    kind, lineage = batch.kind, batch.lineage
    if kind.events_sql is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {rel.EVENTS.name} AS "
                    f"{schema.empty_select(schema.TICKET_EVENTS)}")  # fmt: skip
        return
    present = set(con.sql(kind.events_sql).columns)  # bound, not run
    payload = ", ".join(f"CAST({c if c in present else 'NULL'} AS {t}) AS "
                        f"{'event_key_raw' if c == 'event_key' else c}"
                        for c, t in schema.EVENT_PAYLOAD.items())  # fmt: skip
    key = "e.event_key" if "event_key" in present else "NULL"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE ev AS
        SELECT {payload}, coalesce(CAST({key} AS VARCHAR), '') AS event_key, e._line
        FROM ({kind.events_sql}) e WHERE e.ticket_id IS NOT NULL AND e.event_time IS NOT NULL""")
    con.execute(_before_creation_sql(lineage.source, batch.mapping.get("event_time", "event_time")))
    source = lit(lineage.source)
    known = (f"(SELECT ticket_id, event_time, event_type, event_key FROM {ALIAS}.event_keys "
             f"WHERE source = {source})")  # fmt: skip
    # An event the batch repeats loads once, from its first line. Most batches repeat none,
    # which a narrow count shows more cheaply than a window over the wide rows would.
    repeated = scalar(con, "SELECT count(*) FROM (SELECT 1 FROM ev GROUP BY ticket_id, "
                           "event_time, event_type, event_key HAVING count(*) > 1 LIMIT 1)")  # fmt: skip
    first = ("QUALIFY row_number() OVER (PARTITION BY ev.ticket_id, ev.event_time, "
             "ev.event_type, ev.event_key ORDER BY ev._line) = 1" if repeated else "")  # fmt: skip
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {rel.EVENTS.name} AS
        SELECT {source} AS source, ev.* EXCLUDE (_line, event_key_raw),
               coalesce(sm.category, ev.vendor_status_category, 'unknown') AS status_category,
               coalesce(pm.level, 'unknown') AS priority, v._attributes AS attributes,
               {_lineage_cols(lineage)}, ev._line AS source_line
        FROM (SELECT * FROM ev ANTI JOIN {rel.PROBLEMS.name} USING (_line)
              ANTI JOIN {known} USING (ticket_id, event_time, event_type, event_key)) ev
        JOIN {rel.VALID.name} v USING (_line)
        LEFT JOIN status_map sm ON sm.label = lower(trim(ev.status))
        LEFT JOIN priority_map pm ON pm.alias = lower(trim(ev.priority_raw))
        {first}""")  # fmt: skip
    con.execute("DROP TABLE ev")


def _before_creation_sql(source: str, time_column: str) -> str:
    """Rows with an event before their ticket's creation (known in this batch or, through the
    key index, in the lake) join PROBLEMS; their other events go with them."""
    reason = (f"{lit(time_column + ' ')} || strftime(ev.event_time, '%Y-%m-%d %H:%M:%S') || "
              "' UTC is before the ticket was created (' || "
              "strftime(c.created, '%Y-%m-%d %H:%M:%S') || ' UTC)'")  # fmt: skip
    return f"""INSERT INTO {rel.PROBLEMS.name}
        WITH created AS (
            SELECT ticket_id, min(event_time) AS created FROM (
                SELECT ticket_id, event_time FROM ev WHERE event_type = 'created'
                UNION ALL
                SELECT ticket_id, created_at FROM {ALIAS}.created
                WHERE source = {lit(source)} AND ticket_id IN (SELECT ticket_id FROM ev))
            GROUP BY ticket_id)
        SELECT ev._line, {lit(time_column)}, 'impossible_timestamp', any_value({reason})
        FROM ev JOIN created c USING (ticket_id)
        WHERE ev.event_time < c.created AND ev.event_type <> 'created'
        GROUP BY ev._line"""


def _links(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    kind, lineage = batch.kind, batch.lineage
    if kind.links_sql is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {rel.LINKS.name} AS "
                    f"{schema.empty_select(schema.TICKET_LINKS)}")  # fmt: skip
        return
    source = lit(lineage.source)
    cols = ", ".join(f"CAST(k.{c} AS {t}) AS {c}" for c, t in schema.LINK_PAYLOAD.items())
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {rel.LINKS.name} AS
        SELECT {source} AS source, {cols}, {_lineage_cols(lineage)}, k._line AS source_line
        FROM ({kind.links_sql}) k
        WHERE k.from_id IS NOT NULL AND k.to_id IS NOT NULL
          AND k._line NOT IN (SELECT _line FROM {rel.PROBLEMS.name})
          AND NOT EXISTS (SELECT 1 FROM {ALIAS}.link_keys l WHERE l.source = {source}
                AND l.from_id = k.from_id AND l.to_id = k.to_id AND l.link_type = k.link_type)
        QUALIFY row_number() OVER (PARTITION BY k.from_id, k.to_id, k.link_type ORDER BY k._line) = 1""")  # fmt: skip


def _sightings(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    """SIGHTINGS: each ticket a snapshot lists, once per day; a day the lake already has
    (the same day's file loaded again, changed) adds only the tickets it did not list."""
    kind, lineage = batch.kind, batch.lineage
    if kind.sightings_sql is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {rel.SIGHTINGS.name} AS "
                    f"{schema.empty_select(schema.SIGHTINGS)}")  # fmt: skip
        return
    source = lit(lineage.source)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {rel.SIGHTINGS.name} AS
        SELECT {source} AS source, s.ticket_id, CAST(s.seen_on AS DATE) AS seen_on,
               {_lineage_cols(lineage)}, s._line AS source_line
        FROM ({kind.sightings_sql}) s
        WHERE s.ticket_id IS NOT NULL AND s.seen_on IS NOT NULL
          AND s._line NOT IN (SELECT _line FROM {rel.PROBLEMS.name})
        QUALIFY row_number() OVER (PARTITION BY s.ticket_id, s.seen_on ORDER BY s._line) = 1""")  # fmt: skip
    known = con.execute(f"""SELECT DISTINCT d.batch_id FROM {ALIAS}.sighting_days d
        WHERE d.source = {source} AND d.seen_on IN (SELECT seen_on FROM {rel.SIGHTINGS.name})""").fetchall()  # fmt: skip
    files = batch.lake_files("ticket_sightings", [r[0] for r in known])
    if files:
        paths = ", ".join(lit(f) for f in files)
        con.execute(f"""DELETE FROM {rel.SIGHTINGS.name} s USING read_parquet([{paths}]) l
            WHERE l.ticket_id = s.ticket_id AND l.seen_on = s.seen_on""")  # fmt: skip


def _lineage_cols(lineage: Lineage) -> str:
    return (f"{lit(lineage.batch_id)} AS batch_id, CAST({lineage.batch_seq} AS BIGINT) AS batch_seq, "
            f"{lit(lineage.source_file)} AS source_file")  # fmt: skip


def _quarantine(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    """QUARANTINE: every problem with its row's text, read back by line."""
    lines = [r[0] for r in con.execute(f"SELECT _line FROM {rel.PROBLEMS.name} WHERE _line "
                                       f"NOT IN (SELECT _line FROM {rel.REJECTED.name})").fetchall()]  # fmt: skip
    texts = batch.raw_text(lines)
    con.execute("CREATE OR REPLACE TEMP TABLE _texts (_line BIGINT, _raw VARCHAR)")
    if texts:
        duck.insert(con, "_texts", ["_line", "_raw"], list(texts.items()))
    con.execute(f"""INSERT INTO _texts SELECT _line, _raw FROM {rel.REJECTED.name}""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {rel.QUARANTINE.name} AS
        SELECT {lit(batch.lineage.source)} AS source, {_lineage_cols(batch.lineage)},
               p._line AS source_line, p.column_name, p.error_class, p.reason,
               coalesce(t._raw, '') AS raw
        FROM {rel.PROBLEMS.name} p LEFT JOIN _texts t USING (_line)""")  # fmt: skip


def _counts(con: duckdb.DuckDBPyConnection) -> Counts:
    valid, problems = rel.VALID.name, rel.PROBLEMS.name
    loaded = f"(SELECT _line FROM {valid} ANTI JOIN {problems} USING (_line))"
    added = " UNION ".join(f"SELECT source_line AS _line FROM {r.name}"
                           for r in (rel.EVENTS, rel.LINKS, rel.SIGHTINGS))  # fmt: skip
    row = con.execute(f"""SELECT
        (SELECT count(*) FROM {loaded}),
        (SELECT count(*) FROM {problems}),
        (SELECT count(*) FROM {loaded} ANTI JOIN ({added}) USING (_line)),
        (SELECT count(*) FROM {rel.EVENTS.name}), (SELECT count(*) FROM {rel.LINKS.name})""").fetchall()[0]  # fmt: skip
    assert row is not None
    return Counts(*(int(v) for v in row))


def rows_in(con: duckdb.DuckDBPyConnection) -> int:
    """Rows the file held: those staged and those the reader rejected."""
    return scalar(con, f"SELECT (SELECT count(*) FROM {rel.RAW.name}) + "
                       f"(SELECT count(*) FROM {rel.REJECTED.name})")  # fmt: skip
