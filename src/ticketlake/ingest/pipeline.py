"""Ingest files into the lake, each file one batch that commits entirely or not at all.

Per file, under the lake's write lock: skip it when its path, size and modification time are
those of a batch already committed for the source (unless ``--rehash``); otherwise hash it,
and skip it when the same content is already committed; otherwise let DuckDB read it
(``staging.py``), check that the file did not change while it was read, validate and
transform its rows (``batch.py``), write bronze, event, link, sighting and quarantine files
under fresh names, and commit a manifest naming them together with the ledger row. A crash
before the commit leaves only unnamed files, which the next writer deletes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ticketlake import __version__
from ticketlake.common import duck
from ticketlake.config import Settings
from ticketlake.config.defaults import DUCKDB_INGEST_SHARE
from ticketlake.errors import OutOfMemoryError
from ticketlake.ingest import batch as step
from ticketlake.ingest import staging
from ticketlake.ingest.targets import Plan, Request, Target, plan
from ticketlake.lake import manifest as mf
from ticketlake.lake.lake import Lake
from ticketlake.sources import readers
from ticketlake.sources.readers import FileProblem, Fingerprint, Stat

Progress = Callable[[str, int, int], None]  # (file name, rows done, bytes total)
OnFile = Callable[[int, int, str], None]  # (file number from 1, files in all, file name)


@dataclass
class Outcome:
    """What one ``ingest`` call did: its ledger rows and the files it left out."""

    batches: list[mf.Batch] = field(default_factory=list)
    ignored: list[tuple[Path, str]] = field(default_factory=list)
    chosen: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def failed(self) -> list[mf.Batch]:
        """Batches whose file was unusable."""
        return [b for b in self.batches if b.status == "failed"]


class Ingestor:
    """Runs ingests against one lake; holds the lake's write lock while it works."""

    def __init__(self, lake: Lake, settings: Settings, project_dir: Path,
                 progress: Progress | None = None, lock_timeout: float = 600.0,
                 on_wait: Callable[[str], None] | None = None, rehash: bool = False,
                 on_file: OnFile | None = None) -> None:  # fmt: skip
        self.lake = lake
        self.settings = settings
        self.project_dir = project_dir
        self.progress = progress
        self.lock_timeout = lock_timeout
        self.on_wait = on_wait
        self.rehash = rehash
        self.on_file = on_file

    def ingest(self, request: Request) -> Outcome:
        """Plan ``request`` and ingest every file of it, in order."""
        work = plan(request, self.settings, self.project_dir)
        outcome = Outcome(ignored=work.ignored)
        outcome.chosen = [(t.path, t.format.name) for t in work.targets if t.chosen and t.format]
        if not work.targets and work.ignored:
            _path, why = work.ignored[0]
            raise FileProblem(f"no usable file in the given folder(s); first one: {why}")
        step_name = "preparing the lake's key index"
        try:
            with self.lake.writer(self.lock_timeout, self.on_wait) as writer, \
                    self.connection() as con:  # fmt: skip
                writer.use_index(con)
                for number, target in enumerate(work.targets, 1):
                    step_name = f"ingesting {target.path}"
                    if self.on_file:
                        self.on_file(number, len(work.targets), target.path.name)
                    outcome.batches.append(self._one(writer, con, target))
        except (duckdb.OutOfMemoryException, MemoryError):
            raise OutOfMemoryError.during(step_name, self.settings.engine.memory_limit,
                                          "the batch was not committed", DUCKDB_INGEST_SHARE) from None  # fmt: skip
        return outcome

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """An in-memory DuckDB connection for staging, spilling to the lake's scratch folder."""
        con = duck.connect(self.settings.engine.duckdb_config(DUCKDB_INGEST_SHARE),
                           self.lake.scratch_dir())  # fmt: skip
        try:
            _lookup_tables(con, self.settings)
            yield con
        finally:
            con.close()

    def _one(self, writer: Lake.Writer, con: duckdb.DuckDBPyConnection, target: Target) -> mf.Batch:
        started = datetime.now(UTC)
        if target.problem:
            batch = new_batch(target, started)
            batch.status, batch.reason = "failed", target.problem
            return writer.record(batch)
        same = None if self.rehash else _same_file(writer.manifest, target)
        try:
            fp = None if same else readers.fingerprint(target.path)
        except FileProblem as exc:
            batch = new_batch(target, started)
            batch.status, batch.reason = "failed", str(exc)
            return writer.record(batch)
        batch = new_batch(target, started, fp)
        known = same or writer.manifest.committed_sha().get((target.source, batch.sha256))
        if known is not None:
            batch.sha256, batch.status = known.sha256, "skipped"
            batch.reason = f"same content as batch {known.batch_id} ({Path(known.path).name})"
            if same:
                batch.reason += ": same path, size and modification time (--rehash reads it)"
            return writer.record(batch)
        assert fp is not None
        try:
            files = self._load(writer, con, target, batch, fp)
        except FileProblem as exc:
            batch.status, batch.reason = "failed", str(exc)
            return writer.record(batch)
        batch.finished_at = datetime.now(UTC)
        try:
            writer.commit(batch, files)
        except BaseException:
            writer.discard(files)
            raise
        step.index(writer, con)
        return batch

    def _load(self, writer: Lake.Writer, con: duckdb.DuckDBPyConnection, target: Target,
              batch: mf.Batch, fp: Fingerprint) -> list[mf.DataFile]:  # fmt: skip
        assert target.kind is not None
        staged, encoding = self._stage(con, target, fp)
        try:
            if Stat.of(target.path) != fp.stat:
                raise FileProblem(f"{target.path}: changed while it was being read; ingest it "
                                  "again once the export is complete")  # fmt: skip
            batch.settings["encoding"] = encoding
            batch.settings["reader"] = staged.reader
            if staged.left_out:
                batch.settings["left_out"] = dict(staged.left_out)
                counted = (f"{n:,} {what}{'' if n == 1 else 's'}"
                           for what, n in sorted(staged.left_out.items()))  # fmt: skip
                batch.reason = "left out: " + ", ".join(counted)
            if self.progress:
                self.progress(target.path.name, duck.scalar(con, "SELECT count(*) FROM raw"),
                              fp.size)  # fmt: skip
            work = step.Step(target.kind, target.path, target.mapping, target.reading)
            raw_text = lambda lines: staged.raw_text(con, lines)  # noqa: E731
            step.validate(writer, con, work, batch, staged.columns, raw_text, self.settings,
                          str(target.path))  # fmt: skip
            return step.write(writer, con, batch)
        finally:
            if staged.path is not None:
                readers.remove_copy(target.path, staged.path)

    def _stage(self, con: duckdb.DuckDBPyConnection, target: Target,
               fp: Fingerprint) -> tuple[staging.Staged, str]:  # fmt: skip
        """RAW and REJECTED from the file, decoded as declared or as found: UTF-8 (bad rows
        quarantined), else the single-byte encoding a legacy export uses, or UTF-16."""
        assert target.kind is not None
        declared = target.encoding if target.encoding != "auto" else None
        encoding = declared or ("utf-16" if fp.bom == "utf-16" else "utf-8")
        if declared == "utf-8" and not fp.ascii:
            readers.check_decodes(target.path, "utf-8")  # declared: no row may be undecodable
        staged = self._read(con, target, fp, encoding, strict=declared is not None)
        if declared is None and encoding == "utf-8" and staged.undecodable:
            legacy = readers.legacy_encoding(target.path)
            if legacy is not None:
                encoding = legacy
                staged = self._read(con, target, fp, legacy, strict=True)
        return staged, encoding

    def _read(self, con: duckdb.DuckDBPyConnection, target: Target, fp: Fingerprint,
              encoding: str, strict: bool) -> staging.Staged:  # fmt: skip
        assert target.kind is not None
        path = readers.as_utf8(target.path, encoding, self.lake.scratch_dir())
        if path != target.path:
            fp = readers.fingerprint(path)
        limits = staging.Limits(self.settings.ingest.max_row_bytes)
        read = staging.stage_csv if target.kind.container == "csv" else staging.stage_json
        try:
            if target.kind.reader is not None:
                return staging.stage_records(con, path, target.kind.reader)
            return read(con, path, fp, limits, strict)
        except BaseException:
            readers.remove_copy(target.path, path)
            raise


def _same_file(manifest: mf.Manifest, target: Target) -> mf.Batch | None:
    """The committed batch of the source whose file had this path, size and modification
    time (the file was not touched since), if any."""
    try:
        stat = Stat.of(target.path)
    except OSError:
        return None
    for b in reversed(manifest.batches):
        if (b.status == "committed" and b.source == target.source and b.path == str(target.path)
                and b.size == stat.size and b.mtime_ns == stat.mtime_ns):  # fmt: skip
            return b
    return None


def _lookup_tables(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Status and priority vocabularies from the configuration, as tables the SQL joins."""
    con.execute("CREATE TEMP TABLE status_map (label VARCHAR, category VARCHAR)")
    duck.insert(con, "status_map", ["label", "category"],
                [[k.strip().lower(), v] for k, v in settings.statuses.items()])  # fmt: skip
    pairs = {a.strip().lower(): lvl for a, lvl in settings.priorities.aliases.items()}
    pairs.update({lvl.lower(): lvl for lvl in settings.priorities.levels})
    con.execute("CREATE TEMP TABLE priority_map (alias VARCHAR, level VARCHAR)")
    duck.insert(con, "priority_map", ["alias", "level"], [list(p) for p in pairs.items()])


def new_batch(target: Target, started: datetime, fp: Fingerprint | None = None) -> mf.Batch:
    """A ledger row for ``target``, before anything is known of its rows."""
    kind = target.kind.name if target.kind else ""
    settings: dict[str, object] = {"kind": kind, "history": bool(target.kind and target.kind.history),
                                   "timezone": target.reading.timezone,
                                   "date_format": target.reading.date_format,
                                   "null_markers": list(target.reading.null_markers),
                                   "zone_names": dict(target.reading.zone_names),
                                   "encoding": target.encoding}  # fmt: skip
    stat = fp.stat if fp else _stat(target.path)
    return mf.Batch(batch_id=_new_id(started), seq=0, source=target.source,
                    format=target.format.name if target.format else "unknown",
                    path=str(target.path), sha256=fp.sha256 if fp else "",
                    size=stat.size if stat else 0, mtime_ns=stat.mtime_ns if stat else None,
                    status="committed", started_at=started, finished_at=started,
                    version=__version__, settings=settings)  # fmt: skip


def _stat(path: Path) -> Stat | None:
    try:
        return Stat.of(path)
    except OSError:
        return None


def _new_id(at: datetime) -> str:
    return f"{at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


__all__ = ["Ingestor", "Outcome", "Plan", "Request"]
