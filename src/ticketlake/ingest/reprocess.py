"""Derive a source's rows again from its bronze copies, with today's mapping and settings.

Every committed batch of the source that read a file goes through the batch step again
(``batch.py``, the one ingest and quarantine retries use), its RAW read back from its bronze
copy and its unsplittable rows from its quarantine. While they are staged, the key index the
step asks is a scratch one that knows only the new batches, so the source comes out as a
first ingest of the same files today would. The new batches supersede the old ones and their
retries in one manifest commit: a crash before it leaves the old state (the new files are
named by no manifest and the next writer deletes them), the commit switches to the new one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ticketlake import __version__
from ticketlake.common.sqltext import ident, lit
from ticketlake.ingest import batch as step
from ticketlake.ingest import mapping as mapping_mod
from ticketlake.ingest import relations as rel
from ticketlake.ingest import stage
from ticketlake.ingest.pipeline import Ingestor, new_batch
from ticketlake.ingest.retry import bronze_key, source_config, target_for
from ticketlake.ingest.targets import Target
from ticketlake.lake import integrity
from ticketlake.lake import manifest as mf
from ticketlake.lake import sources as lake_sources
from ticketlake.lake.index import ALIAS, KeyIndex
from ticketlake.lake.lake import Lake, create_views
from ticketlake.sources import readers
from ticketlake.sources.readers import FileProblem, Stat

# What a batch records that decides its rows: all the same today, deriving it again is a no-op.
DECIDING = ("kind", "timezone", "date_format", "null_markers", "zone_names", "mapping", "rules")
LINEAGE = ("_source_line", "_batch_id", "_source_file")  # the columns bronze adds to RAW


@dataclass(frozen=True)
class Work:
    """One batch to derive again: the batch, how to read it today, the retries it had."""

    original: mf.Batch
    target: Target
    retries: list[str]


@dataclass
class Reprocessed:
    """What ``ingest --reprocess`` did for one source."""

    source: str
    pairs: list[tuple[mf.Batch, mf.Batch]] = field(default_factory=list)  # (superseded, new)
    kept: list[mf.Batch] = field(default_factory=list)  # no bronze copy: left as they were
    unchanged: bool = False  # derived with today's mapping and settings already: nothing done


def reprocess(ingestor: Ingestor, source: str | None,
              mapping: Mapping[str, str]) -> list[Reprocessed]:  # fmt: skip
    """Derive ``source`` (every source when None) again; one commit for all of them."""
    lake = ingestor.lake
    with lake.writer(ingestor.lock_timeout, ingestor.on_wait) as writer, \
            ingestor.connection() as con:  # fmt: skip
        writer.use_index(con)
        create_views(con, writer.store, writer.manifest)
        plans = [_plan(ingestor, con, writer, name, mapping)
                 for name in live_sources(writer.manifest, source)]  # fmt: skip
        todo = [p for p in plans if not p[0].unchanged]
        if todo:
            _derive(ingestor, writer, con, todo)
    return [p[0] for p in plans]


def live_sources(manifest: mf.Manifest, wanted: str | None = None) -> list[str]:
    """The sources with committed batches (just ``wanted``, which must be one of them)."""
    if wanted is None:
        return lake_sources.live(manifest)
    lake_sources.require_live(manifest, wanted)
    return [wanted]


# ---------------------------------------------------------------- planning


def _plan(ingestor: Ingestor, con: duckdb.DuckDBPyConnection, writer: Lake.Writer, name: str,
          explicit: Mapping[str, str]) -> tuple[Reprocessed, list[Work]]:  # fmt: skip
    """The batches of ``name`` to derive again, and whether that would change anything."""
    done = Reprocessed(name)
    named = writer.manifest.named()
    work = []
    for original in _originals(writer.manifest, name):
        if bronze_key(original) not in named:
            done.kept.append(original)
            continue
        target = target_for(ingestor, original, _mapping(ingestor, original, explicit))
        work.append(Work(original, target, _retries(writer.manifest, original)))
    done.unchanged = all(not w.retries and _same(ingestor, con, writer, w) for w in work)
    return done, work


def _originals(manifest: mf.Manifest, name: str) -> list[mf.Batch]:
    """The source's committed batches that read a file, in commit order."""
    return [b for b in manifest.batches
            if b.source == name and b.status == "committed" and not b.retry_of]  # fmt: skip


def _retries(manifest: mf.Manifest, original: mf.Batch) -> list[str]:
    """Committed quarantine retries of ``original``'s rows."""
    return [b.batch_id for b in manifest.batches
            if b.status == "committed" and original.batch_id in b.retry_of]  # fmt: skip


def _mapping(ingestor: Ingestor, original: mf.Batch, explicit: Mapping[str, str]) -> dict[str, str]:
    """Today's mapping: the source's entry in ticketlake.yml and ``--mapping``, as an ingest
    would use them; for a source neither names, the mapping the batch used."""
    config = source_config(ingestor, original.source)
    if config is None and not explicit:
        used = original.settings.get("mapping")
        return dict(used) if isinstance(used, dict) else {}
    return {**(config.mapping if config else {}), **explicit}


def _same(ingestor: Ingestor, con: duckdb.DuckDBPyConnection, writer: Lake.Writer,
          work: Work) -> bool:  # fmt: skip
    """Whether today's settings are those ``work``'s batch was derived with."""
    target, used = work.target, work.original.settings
    assert target.kind is not None
    columns = _bronze_columns(con, writer.read_path(bronze_key(work.original)))
    now = {"kind": target.kind.name, "timezone": target.reading.timezone,
           "date_format": target.reading.date_format,
           "null_markers": list(target.reading.null_markers),
           "zone_names": dict(target.reading.zone_names),
           "mapping": mapping_mod.resolve(target.kind, columns, target.mapping, target.path),
           "rules": step.rules(ingestor.settings)}  # fmt: skip
    return work.original.version == __version__ and all(used.get(k) == now[k] for k in DECIDING)


def _bronze_columns(con: duckdb.DuckDBPyConnection, path: str) -> list[str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet({lit(path)})").fetchall()
    return [r[0] for r in rows if r[0] not in LINEAGE]


# ---------------------------------------------------------------- deriving


def _derive(ingestor: Ingestor, writer: Lake.Writer, con: duckdb.DuckDBPyConnection,
            todo: list[tuple[Reprocessed, list[Work]]]) -> None:  # fmt: skip
    """Stage every batch again against a scratch index, then commit them all at once."""
    written: list[mf.DataFile] = []
    con.execute(f"DETACH {ALIAS}")
    KeyIndex.scratch().attach(con)
    try:
        for done, work in todo:
            done.pairs = [(w.original, _one(ingestor, writer, con, w, written)) for w in work]
        _commit(writer, [p for done, _ in todo for p in done.pairs], written)
    except BaseException:
        writer.discard([f for f in written if f.key not in writer.manifest.named()])
        raise
    finally:
        con.execute(f"DETACH {ALIAS}")
    writer.lake.index.attach(con)
    writer.lake.index.reset(con, writer.store, writer.manifest, {d.source for d, _ in todo})


def _one(ingestor: Ingestor, writer: Lake.Writer, con: duckdb.DuckDBPyConnection, work: Work,
         written: list[mf.DataFile]) -> mf.Batch:  # fmt: skip
    """Derive one batch again from its bronze copy; its files join ``written``."""
    original, target = work.original, work.target
    assert target.kind is not None
    columns = _stage(con, writer, original)
    batch = _new_batch(target, original, work.retries)
    texts = _Texts(con, original, ingestor.lake.scratch_dir(), columns)
    spec = step.Step(target.kind, target.path, target.mapping, target.reading)
    try:
        step.validate(writer, con, spec, batch, columns, texts, ingestor.settings, original.path,
                      seq=original.seq, lake_files=_files_with(writer, written))  # fmt: skip
    except FileProblem as exc:
        raise FileProblem(f"reprocess of source {original.source!r} stopped, nothing was "
                          f"changed: {exc}") from None  # fmt: skip
    if batch.rows_in != original.rows_in:  # the ledger must still add up, file by file
        raise RuntimeError(f"{original.path}: {batch.rows_in} rows read again, "
                           f"{original.rows_in} when ingested")  # fmt: skip
    written += step.write(writer, con, batch)
    step.index(writer, con)  # into the scratch index: later batches see this one's keys
    return batch


def _new_batch(target: Target, original: mf.Batch, retries: list[str]) -> mf.Batch:
    """A ledger row for the file of ``original``, read again: the same file identity (so the
    file is still known as ingested), today's settings."""
    batch = new_batch(target, datetime.now(UTC))
    batch.sha256, batch.size, batch.mtime_ns = original.sha256, original.size, original.mtime_ns
    batch.format = original.format
    for key in ("encoding", "reader", "left_out"):
        if key in original.settings:
            batch.settings[key] = original.settings[key]
    if "left_out" in original.settings:  # the bronze copy holds the rows, not what was left out
        batch.reason = original.reason
    batch.supersedes = [original.batch_id, *retries]
    return batch


def _stage(con: duckdb.DuckDBPyConnection, writer: Lake.Writer, original: mf.Batch) -> list[str]:
    """RAW from the batch's bronze copy, REJECTED from its quarantined unsplittable rows;
    return the file's columns."""
    path = writer.read_path(bronze_key(original))
    rel.drop(con, rel.RAW)
    con.execute(f"""CREATE TEMP TABLE {rel.RAW.name} AS
        SELECT * EXCLUDE ({", ".join(LINEAGE)}), _source_line AS _line
        FROM read_parquet({lit(path)})""")  # fmt: skip
    rel.create(con, rel.REJECTED)
    con.execute(f"""INSERT INTO {rel.REJECTED.name}
        SELECT source_line, raw, reason FROM quarantine
        WHERE batch_id = ? AND error_class = 'malformed_row' ORDER BY source_line""",
                [original.batch_id])  # fmt: skip
    return [c for c in rel.columns_of(con, rel.RAW) if c != "_line"]


def _files_with(writer: Lake.Writer, written: list[mf.DataFile]) -> stage.LakeFiles:
    """Files of a table by batch: committed ones and those this reprocess has written."""

    def files(table: str, batch_ids: Sequence[str]) -> list[str]:
        mine = [f for f in written if f.table == table and f.batch_id in set(batch_ids)]
        return writer.files_of(table, batch_ids) + integrity.local_paths(writer.store, mine)

    return files


def _commit(writer: Lake.Writer, pairs: list[tuple[mf.Batch, mf.Batch]],
            written: list[mf.DataFile]) -> None:  # fmt: skip
    """One commit: the new batches and files in, the old batches marked superseded (by the
    batch that derived them again) and their files out."""
    by = {old: new.batch_id for _, new in pairs for old in new.supersedes}
    batches = [b.model_copy(update={"status": "superseded", "superseded_by": by[b.batch_id]})
               if b.batch_id in by else b for b in writer.manifest.batches]  # fmt: skip
    files = [f for f in writer.manifest.files if f.batch_id not in by]
    base = writer.manifest.model_copy(update={"batches": batches, "files": files})
    finished = datetime.now(UTC)
    for _, new in pairs:
        new.finished_at = finished
    writer.rewrite(base, [new for _, new in pairs], written)


class _Texts:
    """The text of rows a reprocess quarantines: from the old quarantine, else from the file
    if it is still there unchanged, else rebuilt from the bronze copy's fields as CSV."""

    def __init__(self, con: duckdb.DuckDBPyConnection, original: mf.Batch, scratch: Path,
                 columns: list[str]) -> None:  # fmt: skip
        self.con, self.original, self.scratch, self.columns = con, original, scratch, columns

    def __call__(self, lines: Sequence[int]) -> dict[int, str]:
        wanted = sorted(set(lines))
        if not wanted:
            return {}
        found = dict(self.con.execute("""SELECT source_line, raw FROM quarantine
            WHERE batch_id = ? AND raw <> '' AND source_line IN (SELECT unnest(?::BIGINT[]))""",
                                      [self.original.batch_id, wanted]).fetchall())  # fmt: skip
        for source in (self._from_file, self._from_fields):
            missing = [n for n in wanted if n not in found]
            if missing:
                found.update(source(missing))
        return found

    def _from_file(self, lines: list[int]) -> dict[int, str]:
        path, b = Path(self.original.path), self.original
        try:
            stat = Stat.of(path)
            if (stat.size, stat.mtime_ns) != (b.size, b.mtime_ns):
                return {}
            encoding = str(b.settings.get("encoding") or "utf-8")
            copy = readers.as_utf8(path, "utf-8" if encoding == "auto" else encoding,
                                   self.scratch)  # fmt: skip
        except (OSError, LookupError, FileProblem):
            return {}
        try:
            return readers.Lines(copy).text(lines)
        finally:
            readers.remove_copy(path, copy)

    def _from_fields(self, lines: list[int]) -> dict[int, str]:
        cols = ", ".join(ident(c) for c in self.columns)
        rows = self.con.execute(f"SELECT _line, {cols} FROM {rel.RAW.name} WHERE _line IN "
                                "(SELECT unnest(?::BIGINT[]))", [lines]).fetchall()  # fmt: skip
        return {int(r[0]): _csv_line(r[1:]) for r in rows}


def _csv_line(values: Sequence[object]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(["" if v is None else v for v in values])
    return out.getvalue()
