"""Give quarantined rows a second chance after a mapping or settings fix.

Rows are re-read from the bronze copy of their batch and go through the same batch step as
an ingest (``batch.py``), with today's mapping and source settings. Rows that now pass are
loaded in a new batch (``retry_of`` names the original) and released from the quarantine;
rows that still fail stay where they are. Duplicate and malformed rows are not retried: no
mapping can fix them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ticketlake import sources
from ticketlake.common.sqltext import lit
from ticketlake.config import SourceConfig
from ticketlake.ingest import batch as step
from ticketlake.ingest import relations as rel
from ticketlake.ingest import stage
from ticketlake.ingest.pipeline import Ingestor, new_batch
from ticketlake.ingest.staging import Staged
from ticketlake.ingest.targets import DEFAULT_NULL_MARKERS, Target, reading_for
from ticketlake.lake import manifest as mf
from ticketlake.lake.lake import Lake, create_views
from ticketlake.sources.base import FileKind

NOT_RETRIED = ("duplicate_row", "malformed_row")
TABLES = ("ticket_events", "ticket_links", "ticket_sightings", "quarantine_releases")


def retry(ingestor: Ingestor, batch_ids: list[str], mapping: Mapping[str, str]) -> list[mf.Batch]:
    """Retry the open quarantined rows of ``batch_ids`` (all batches when empty)."""
    done = []
    with ingestor.lake.writer(ingestor.lock_timeout, ingestor.on_wait) as writer, \
            ingestor.connection() as con:  # fmt: skip
        writer.use_index(con)
        for original in _candidates(con, writer, batch_ids):
            done.append(_retry_one(ingestor, writer, con, original, mapping))
    return done


def _candidates(
    con: duckdb.DuckDBPyConnection, writer: Lake.Writer, wanted: list[str]
) -> list[mf.Batch]:
    create_views(con, writer.store, writer.manifest)
    rows = con.execute(f"""SELECT DISTINCT batch_id FROM quarantine
        WHERE released_by IS NULL AND error_class NOT IN {NOT_RETRIED}""").fetchall()
    open_ids = {r[0] for r in rows}
    return [b for b in writer.manifest.batches
            if b.batch_id in open_ids and (not wanted or b.batch_id in wanted)]  # fmt: skip


def _retry_one(ingestor: Ingestor, writer: Lake.Writer, con: duckdb.DuckDBPyConnection,
               original: mf.Batch, explicit: Mapping[str, str]) -> mf.Batch:  # fmt: skip
    target = _target(ingestor, original, explicit)
    assert target.kind is not None
    staged = _stage(con, writer, original)
    batch = new_batch(target, datetime.now(UTC))
    batch.retry_of, batch.sha256, batch.mtime_ns = [original.batch_id], "", None
    work = step.Step(target.kind, target.path, target.mapping, target.reading)
    raw_text = lambda lines: staged.raw_text(con, lines)  # noqa: E731
    step.validate(writer, con, work, batch, staged.columns, raw_text, ingestor.settings,
                  original.path)  # fmt: skip
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {rel.RELEASES.name} AS
        SELECT {lit(original.batch_id)} AS batch_id, _line AS source_line,
               {lit(batch.batch_id)} AS released_by
        FROM {rel.RAW.name} WHERE _line NOT IN (SELECT _line FROM {rel.PROBLEMS.name})""")
    files = step.write(writer, con, batch, TABLES)
    batch.finished_at = datetime.now(UTC)
    writer.commit(batch, files)
    step.index(writer, con)
    return batch


def _stage(con: duckdb.DuckDBPyConnection, writer: Lake.Writer, original: mf.Batch) -> Staged:
    """RAW holds the batch's open quarantined rows, read back from its bronze file."""
    path = writer.read_path(bronze_key(original))
    rel.create(con, rel.REJECTED)
    rel.drop(con, rel.RAW)
    con.execute(f"""CREATE TEMP TABLE {rel.RAW.name} AS
        SELECT b.* EXCLUDE (_source_line, _batch_id, _source_file), b._source_line AS _line,
               q.raw AS _raw
        FROM read_parquet({lit(path)}) b
        JOIN quarantine q ON q.batch_id = {lit(original.batch_id)} AND q.source_line = b._source_line
        WHERE q.released_by IS NULL AND q.error_class NOT IN {NOT_RETRIED}""")
    names = rel.columns_of(con, rel.RAW)
    return Staged([n for n in names if n not in ("_line", "_raw")], "bronze", None)


def _target(ingestor: Ingestor, original: mf.Batch, explicit: Mapping[str, str]) -> Target:
    """How to read the rows now: today's source settings, else those the batch used; the
    mapping the batch used, overridden by today's and ``explicit``."""
    config = source_config(ingestor, original.source)
    before = original.settings.get("mapping")
    mapping = {**(before if isinstance(before, dict) else {}),
               **(config.mapping if config else {}), **explicit}  # fmt: skip
    return target_for(ingestor, original, mapping)


def source_config(ingestor: Ingestor, source: str) -> SourceConfig | None:
    """The ``sources:`` entry named ``source``, if there is one."""
    return next((s for s in ingestor.settings.sources if s.name == source), None)


def target_for(ingestor: Ingestor, original: mf.Batch, mapping: dict[str, str]) -> Target:
    """A target reading ``original``'s rows again with ``mapping`` and today's source
    settings (those the batch used when the source is not configured)."""
    kind = kind_named(str(original.settings.get("kind", "")))
    config = source_config(ingestor, original.source)
    used = original.settings
    fmt = sources.get(original.format)
    if config is not None:
        reading = reading_for(config, fmt, ingestor.settings, kind)
    else:
        markers = used.get("null_markers")
        zones = used.get("zone_names")
        reading = stage.Reading(str(used.get("timezone") or ingestor.settings.timezone),
                                _opt(used.get("date_format")),
                                tuple(markers) if isinstance(markers, list) else DEFAULT_NULL_MARKERS,
                                dict(zones) if isinstance(zones, dict) else {})  # fmt: skip
    return Target(Path(original.path), original.source, fmt, kind, reading, mapping,
                  str(used.get("encoding", "auto")))  # fmt: skip


def bronze_key(batch: mf.Batch) -> str:
    """Store key of the bronze copy of ``batch``."""
    return f"bronze/{batch.source}/{batch.batch_id}.parquet"


def kind_named(name: str) -> FileKind:
    for fmt in sources.FORMATS.values():
        for _, kind in fmt.kinds:
            if kind.name == name:
                return kind
    raise sources.FileProblem(f"cannot read rows again as {name!r}: no such file kind")


def _opt(value: object) -> str | None:
    return None if value is None else str(value)
