"""Validate a staged file and turn its rows into canonical events and links, all in SQL.

The caller loads the file into the temporary table ``raw`` (one text column per source
column, plus ``_line`` and ``_raw``) and views ``lake_events`` and ``lake_links`` over what
the lake already holds. :func:`transform` then leaves three tables behind: ``quarantine_out``,
``events_out`` and ``links_out``, and returns the row counts the ledger records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb

from ticketlake.common.sqltext import ident, lit
from ticketlake.ingest.parsing import cleaned, parse_bool, parse_int, parse_time
from ticketlake.lake import schema
from ticketlake.sources.base import FIELDS, ID_FIELDS, LATER_FIELDS, FileKind

_TYPES = {"text": "VARCHAR", "time": "TIMESTAMP", "int": "BIGINT", "bool": "BOOLEAN"}


@dataclass(frozen=True)
class Reading:
    """How to read one source's values: its time zone, date format and null markers."""

    timezone: str
    date_format: str | None
    null_markers: tuple[str, ...]


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


def transform(con: duckdb.DuckDBPyConnection, kind: FileKind, mapping: Mapping[str, str],
              columns: Sequence[str], reading: Reading, lineage: Lineage,
              derived: Mapping[str, str]) -> Counts:  # fmt: skip
    """Run validation and the format's SQL over ``raw``; see the module docstring."""
    con.execute(_typed_sql(mapping, columns, reading, derived))
    con.execute(_problems_sql(kind, mapping))
    con.execute(
        "INSERT INTO problems SELECT _line, _raw, NULL, 'malformed_row', reason FROM rejected"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE valid AS SELECT * FROM typed "
                "ANTI JOIN problems USING (_line)")  # fmt: skip
    _events(con, kind, lineage, mapping.get("event_time", "event_time"))
    _links(con, kind, lineage)
    con.execute(_quarantine_sql(lineage))
    return _counts(con)


def _typed_sql(mapping: Mapping[str, str], columns: Sequence[str], reading: Reading,
               derived: Mapping[str, str]) -> str:  # fmt: skip
    inner = ["_line", "_raw"]
    outer = ["_line", "_raw"]
    for name, kind in FIELDS.items():
        if name in derived:
            outer.append(f"{derived[name]} AS {name}")
        elif name in mapping:
            inner.append(f"{cleaned(mapping[name], reading.null_markers)} AS {name}__raw")
            outer += [f"{name}__raw", f"{_parse(kind, f'{name}__raw', reading)} AS {name}"]
        else:
            outer.append(f"CAST(NULL AS {_TYPES[kind]}) AS {name}")
    outer += [f"{expr} AS {name}" for name, expr in derived.items() if name not in FIELDS]
    extra = [c for c in columns if c not in set(mapping.values())]
    packed = ", ".join(f"{lit(c)}, {ident(c)}" for c in extra)
    inner.append(f"json_object({packed})::VARCHAR AS _attributes" if extra else
                 "CAST(NULL AS VARCHAR) AS _attributes")  # fmt: skip
    outer.append("_attributes")
    return (f"CREATE OR REPLACE TEMP TABLE typed AS SELECT {', '.join(outer)} "
            f"FROM (SELECT {', '.join(inner)} FROM raw)")  # fmt: skip


def _parse(kind: str, text: str, reading: Reading) -> str:
    if kind == "time":
        return parse_time(text, reading.date_format, reading.timezone)
    if kind == "int":
        return parse_int(text)
    return parse_bool(text) if kind == "bool" else text


def _problem(column: str, error_class: str, reason: str) -> str:
    return f"struct_pack(c := {lit(column)}, k := {lit(error_class)}, r := {reason})"


def _problems_sql(kind: FileKind, mapping: Mapping[str, str]) -> str:
    """One CASE picks each row's first problem; the order of the checks is the precedence."""
    checks = []
    for name in kind.required:
        cls = "missing_id" if name in ID_FIELDS else "missing_value"
        col = mapping[name]
        checks.append((f"{name}__raw IS NULL", _problem(col, cls, lit(f"{col} is empty"))))
    for name, ftype in FIELDS.items():
        if name in mapping and ftype != "text":
            col = mapping[name]
            cls = "unparseable_timestamp" if ftype == "time" else "invalid_value"
            what = "a timestamp" if ftype == "time" else f"a valid {ftype}"
            reason = f"{lit(col + ' is not ' + what + ': ')} || {name}__raw"
            checks.append(
                (f"{name}__raw IS NOT NULL AND {name} IS NULL", _problem(col, cls, reason))
            )
    if "created_at" in mapping:
        for name in (n for n in LATER_FIELDS if n in mapping):
            col = mapping[name]
            reason = (f"{lit(col + ' ')} || {name}__raw || "
                      f"{lit(' is before the ticket was created (')} || created_at__raw || ')'")  # fmt: skip
            checks.append((f"{name} < created_at", _problem(col, "impossible_timestamp", reason)))
    dup = "'repeats line ' || min(_line) OVER (PARTITION BY _raw)"
    checks.append(("_line > min(_line) OVER (PARTITION BY _raw)",
                   f"struct_pack(c := CAST(NULL AS VARCHAR), k := 'duplicate_row', r := {dup})"))  # fmt: skip
    cases = " ".join(f"WHEN {cond} THEN {value}" for cond, value in checks)
    return ("CREATE OR REPLACE TEMP TABLE problems AS SELECT _line, _raw, p.c AS column_name, "
            "p.k AS error_class, p.r AS reason "
            f"FROM (SELECT _line, _raw, CASE {cases} END AS p FROM typed) WHERE p IS NOT NULL")  # fmt: skip


def _events(
    con: duckdb.DuckDBPyConnection, kind: FileKind, lineage: Lineage, time_column: str
) -> None:
    if kind.events_sql is None:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE events_out AS {schema.empty_select(schema.TICKET_EVENTS)}"
        )
        return
    con.execute(f"CREATE OR REPLACE TEMP TABLE ev0 AS {kind.events_sql}")
    present = {r[0] for r in con.execute("DESCRIBE ev0").fetchall()}
    payload = ", ".join(f"CAST({c if c in present else 'NULL'} AS {t}) AS {c}"
                        for c, t in schema.EVENT_PAYLOAD.items())  # fmt: skip
    con.execute(f"""CREATE OR REPLACE TEMP TABLE ev AS
        SELECT {payload}, e._line FROM ev0 e WHERE e.ticket_id IS NOT NULL AND e.event_time IS NOT NULL""")
    con.execute(_before_creation_sql(lineage.source, time_column))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE events_out AS
        SELECT {lit(lineage.source)} AS source, ev.* EXCLUDE (_line, event_key),
               coalesce(ev.event_key, '') AS event_key,
               coalesce(sm.category, 'unknown') AS status_category,
               coalesce(pm.level, 'unknown') AS priority, v._attributes AS attributes,
               {_lineage_cols(lineage)}, ev._line AS source_line
        FROM ev
        JOIN valid v USING (_line)
        LEFT JOIN status_map sm ON sm.label = lower(trim(ev.status))
        LEFT JOIN priority_map pm ON pm.alias = lower(trim(ev.priority_raw))
        WHERE ev._line NOT IN (SELECT _line FROM problems)
          AND NOT EXISTS (SELECT 1 FROM lake_events l WHERE l.source = {lit(lineage.source)}
                AND l.ticket_id = ev.ticket_id AND l.event_time = ev.event_time
                AND l.event_type = ev.event_type AND l.event_key = coalesce(ev.event_key, ''))
        QUALIFY row_number() OVER (PARTITION BY ev.ticket_id, ev.event_time, ev.event_type,
                                   coalesce(ev.event_key, '') ORDER BY ev._line) = 1""")  # fmt: skip


def _before_creation_sql(source: str, time_column: str) -> str:
    """Rows with an event before their ticket's creation (known in this batch or the lake)
    join ``problems``; their other events go with them."""
    reason = (f"{lit(time_column + ' ')} || strftime(ev.event_time, '%Y-%m-%d %H:%M:%S') || "
              "' UTC is before the ticket was created (' || "
              "strftime(c.created, '%Y-%m-%d %H:%M:%S') || ' UTC)'")  # fmt: skip
    return f"""INSERT INTO problems
        WITH created AS (
            SELECT ticket_id, min(event_time) AS created FROM (
                SELECT ticket_id, event_time FROM ev WHERE event_type = 'created'
                UNION ALL
                SELECT ticket_id, event_time FROM lake_events
                WHERE source = {lit(source)} AND event_type = 'created'
                  AND ticket_id IN (SELECT ticket_id FROM ev))
            GROUP BY ticket_id)
        SELECT ev._line, any_value(v._raw), {lit(time_column)}, 'impossible_timestamp',
               any_value({reason})
        FROM ev JOIN created c USING (ticket_id) JOIN valid v USING (_line)
        WHERE ev.event_time < c.created AND ev.event_type <> 'created'
        GROUP BY ev._line"""


def _links(con: duckdb.DuckDBPyConnection, kind: FileKind, lineage: Lineage) -> None:
    if kind.links_sql is None:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE links_out AS {schema.empty_select(schema.TICKET_LINKS)}"
        )
        return
    cols = ", ".join(f"CAST(k.{c} AS {t}) AS {c}" for c, t in schema.LINK_PAYLOAD.items())
    con.execute(f"""CREATE OR REPLACE TEMP TABLE links_out AS
        SELECT {lit(lineage.source)} AS source, {cols}, {_lineage_cols(lineage)}, k._line AS source_line
        FROM ({kind.links_sql}) k
        WHERE k.from_id IS NOT NULL AND k.to_id IS NOT NULL
          AND k._line NOT IN (SELECT _line FROM problems)
          AND NOT EXISTS (SELECT 1 FROM lake_links l WHERE l.source = {lit(lineage.source)}
                AND l.from_id = k.from_id AND l.to_id = k.to_id AND l.link_type = k.link_type)
        QUALIFY row_number() OVER (PARTITION BY k.from_id, k.to_id, k.link_type ORDER BY k._line) = 1""")  # fmt: skip


def _lineage_cols(lineage: Lineage) -> str:
    return (f"{lit(lineage.batch_id)} AS batch_id, CAST({lineage.batch_seq} AS BIGINT) AS batch_seq, "
            f"{lit(lineage.source_file)} AS source_file")  # fmt: skip


def _quarantine_sql(lineage: Lineage) -> str:
    return f"""CREATE OR REPLACE TEMP TABLE quarantine_out AS
        SELECT {lit(lineage.source)} AS source, {_lineage_cols(lineage)}, _line AS source_line,
               column_name, error_class, reason, _raw AS raw
        FROM problems"""


def _counts(con: duckdb.DuckDBPyConnection) -> Counts:
    row = con.execute("""SELECT
        (SELECT count(*) FROM valid WHERE _line NOT IN (SELECT _line FROM problems)),
        (SELECT count(*) FROM problems),
        (SELECT count(*) FROM valid WHERE _line NOT IN (SELECT _line FROM problems)
            AND _line NOT IN (SELECT source_line FROM events_out)
            AND _line NOT IN (SELECT source_line FROM links_out)),
        (SELECT count(*) FROM events_out), (SELECT count(*) FROM links_out)""").fetchall()[0]
    assert row is not None
    return Counts(*(int(v) for v in row))
