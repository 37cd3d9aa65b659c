"""One batch step, shared by ingest and quarantine retry: staged rows in, lake files out.

Given RAW and REJECTED (from a file, or from a batch's bronze copy for a retry), the step
matches the mapping to the columns, validates and transforms the rows (``stage.py``), fills
in the ledger row's counts and writes the outputs through the lake writer. The caller commits
the batch and then calls :func:`index` so the key index learns the new keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from ticketlake.common.sqltext import lit
from ticketlake.config import Settings
from ticketlake.ingest import mapping as mapping_mod
from ticketlake.ingest import relations as rel
from ticketlake.ingest import stage
from ticketlake.lake import manifest as mf
from ticketlake.lake.lake import Lake
from ticketlake.sources.base import FileKind
from ticketlake.sources.readers import FileProblem

# The outputs every batch hands to the writer (bronze only when it read a file).
OUTPUTS = ("ticket_events", "ticket_links", "ticket_sightings", "quarantine")


@dataclass(frozen=True)
class Step:
    """What one batch reads: the kind of file, its mapping and how to read its values."""

    kind: FileKind
    path: Path  # the input file as given (its name drives derived values such as a date)
    mapping: Mapping[str, str]
    reading: stage.Reading


def validate(writer: Lake.Writer, con: duckdb.DuckDBPyConnection, step: Step,
             batch: mf.Batch, columns: Sequence[str], raw_text: stage.RawText,
             settings: Settings, source_file: str, seq: int | None = None,
             lake_files: stage.LakeFiles | None = None) -> None:  # fmt: skip
    """Validate and transform RAW into the output relations; count into ``batch``. A
    reprocess passes the ``seq`` of the batch it derives again (its rows keep their place in
    commit order) and ``lake_files`` that also know its uncommitted batches."""
    rows_in = stage.rows_in(con)
    if rows_in == 0:
        raise FileProblem(f"{step.path}: empty file (no data rows)")
    resolved = mapping_mod.resolve(step.kind, list(columns), step.mapping, step.path)
    spec = stage.Batch(
        kind=step.kind,
        mapping=resolved,
        columns=columns,
        reading=step.reading,
        lineage=stage.Lineage(batch.source, batch.batch_id, seq or writer.next_seq, source_file),
        derived=step.kind.derived(step.path) if step.kind.derived else {},
        plausible=plausible(settings),
        raw_text=raw_text,
        lake_files=lake_files or writer.files_of,
    )
    counts = stage.transform(con, spec)
    batch.rows_in = rows_in
    batch.rows_loaded, batch.rows_quarantined = counts.rows_loaded, counts.rows_quarantined
    batch.duplicates, batch.events = counts.duplicates, counts.events
    batch.settings["mapping"] = resolved
    batch.settings["rules"] = rules(settings)


def rules(settings: Settings) -> str:
    """A fingerprint of the project settings a batch's rows depend on besides its source's:
    status and priority vocabularies and the plausibility window's settings."""
    used = {"statuses": settings.statuses, "priorities": settings.priorities.model_dump(),
            "from": str(settings.ingest.plausible_from),
            "ahead": settings.ingest.plausible_years_ahead}  # fmt: skip
    text = json.dumps(used, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write(writer: Lake.Writer, con: duckdb.DuckDBPyConnection, batch: mf.Batch,
          tables: Sequence[str] = OUTPUTS) -> list[mf.DataFile]:  # fmt: skip
    """Hand the batch's output relations for ``tables`` to the lake writer, with the bronze
    copy of RAW when the batch read a file (not a retry); return what to commit."""
    outputs = {t: rel.OUTPUTS[t].name for t in tables}
    if not batch.retry_of:
        text = ", _raw" if rel.has_column(con, rel.RAW, "_raw") else ""
        con.execute(f"""CREATE OR REPLACE TEMP VIEW {rel.BRONZE.name} AS
            SELECT * EXCLUDE (_line{text}), _line AS _source_line,
                   {lit(batch.batch_id)} AS _batch_id, {lit(batch.path)} AS _source_file
            FROM {rel.RAW.name}""")  # fmt: skip
        outputs = {"bronze": rel.BRONZE.name, **outputs}
    return writer.write_batch(con, batch.batch_id, batch.source, outputs)


def index(writer: Lake.Writer, con: duckdb.DuckDBPyConnection) -> None:
    """After a commit: the key index learns the batch's events, links and sightings."""
    writer.index_batch(con, {t: rel.OUTPUTS[t].name for t in OUTPUTS if t != "quarantine"})


def plausible(settings: Settings) -> stage.Plausible:
    """The plausibility window for timestamps, from ``ingest.*`` and today's date."""
    earliest = datetime.combine(settings.ingest.plausible_from, datetime.min.time())
    now = datetime.now(UTC).replace(tzinfo=None)
    latest = now + timedelta(days=round(365.25 * settings.ingest.plausible_years_ahead))
    return stage.Plausible(earliest, latest)
