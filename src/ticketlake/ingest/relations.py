"""The relations the ingest stages hand to each other, in one place.

A batch moves through DuckDB temporary tables: the reader (``staging.py``) fills RAW and
REJECTED; validation (``stage.py``) types RAW into TYPED, finds PROBLEMS, keeps VALID and
produces the outputs (EVENTS, LINKS, SIGHTINGS, QUARANTINE); the batch step (``batch.py``)
hands the outputs to the lake writer by name, with BRONZE, the parsed file with lineage.
Each stage reads only what is listed here, so whoever edits one can see who reads its output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from ticketlake.common.sqltext import ident


@dataclass(frozen=True)
class Relation:
    """A temporary table (or view) of a batch: its name, fixed columns and what it holds."""

    name: str
    doc: str
    columns: dict[str, str] = field(default_factory=dict)  # the fixed ones; RAW adds more


RAW = Relation("raw", "one VARCHAR column per source column (dotted paths for JSON), plus "
               "_line, the physical line the row starts on, and _raw, its text, when the "
               "reader keeps it (JSON lines and the exact fallback)", {"_line": "BIGINT"})  # fmt: skip
REJECTED = Relation("rejected", "rows the reader could not split into fields",
                    {"_line": "BIGINT", "_raw": "VARCHAR", "reason": "VARCHAR"})  # fmt: skip
TYPED = Relation("typed", "RAW's rows as canonical fields: each mapped field typed, its "
                 "cleaned text as <field>__raw, unmapped columns packed in _attributes")  # fmt: skip
PROBLEMS = Relation("problems", "the first problem of each row that cannot load",
                    {"_line": "BIGINT", "column_name": "VARCHAR", "error_class": "VARCHAR",
                     "reason": "VARCHAR"})  # fmt: skip
VALID = Relation("valid", "TYPED's rows without a problem: what the format's SQL reads")
EVENTS = Relation("events_out", "the batch's new canonical events (lake table ticket_events)")
LINKS = Relation("links_out", "the batch's new links (lake table ticket_links)")
SIGHTINGS = Relation("sightings_out", "the batch's snapshot sightings (ticket_sightings)")
QUARANTINE = Relation("quarantine_out", "PROBLEMS and REJECTED with lineage and raw text")
RELEASES = Relation("releases_out", "quarantined rows a retry has loaded")
BRONZE = Relation("bronze_out", "the parsed file as received: RAW with lineage columns")
LAKE_EVENTS = Relation("lake_events", "what the lake already holds for the batch's source")

# Lake table -> the relation a batch hands to the writer for it.
OUTPUTS = {"bronze": BRONZE, "ticket_events": EVENTS, "ticket_links": LINKS,
           "ticket_sightings": SIGHTINGS, "quarantine": QUARANTINE,
           "quarantine_releases": RELEASES}  # fmt: skip


def exists(con: duckdb.DuckDBPyConnection, relation: Relation) -> bool:
    """Whether ``relation`` exists in ``con`` (as a table or a view)."""
    rows = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? UNION ALL "
                       "SELECT count(*) FROM duckdb_views() WHERE view_name = ?",
                       [relation.name, relation.name]).fetchall()  # fmt: skip
    return any(r[0] for r in rows)


def columns_of(con: duckdb.DuckDBPyConnection, relation: Relation) -> list[str]:
    """Column names of ``relation`` in order."""
    return [r[0] for r in con.execute(f"DESCRIBE {relation.name}").fetchall()]


def has_column(con: duckdb.DuckDBPyConnection, relation: Relation, column: str) -> bool:
    """Whether ``relation`` has ``column``."""
    return exists(con, relation) and column in columns_of(con, relation)


def create(con: duckdb.DuckDBPyConnection, relation: Relation) -> None:
    """(Re)create ``relation`` empty, with its fixed columns."""
    cols = ", ".join(f"{ident(c)} {t}" for c, t in relation.columns.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE {relation.name} ({cols})")


def drop(con: duckdb.DuckDBPyConnection, relation: Relation) -> None:
    """Drop ``relation``, whether it is a table or a view."""
    kinds = con.execute("SELECT 'VIEW' FROM duckdb_views() WHERE view_name = ? UNION ALL "
                        "SELECT 'TABLE' FROM duckdb_tables() WHERE table_name = ?",
                        [relation.name, relation.name]).fetchall()  # fmt: skip
    for (kind,) in kinds:
        con.execute(f"DROP {kind} IF EXISTS {relation.name}")
