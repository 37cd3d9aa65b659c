"""Ingest files into the lake, each file one batch that commits entirely or not at all.

Per file: hash it; skip it when the same content is already committed for the source;
otherwise stage its rows in DuckDB, validate and transform them (``stage``), write bronze,
quarantine, event and link files under fresh names, and commit a manifest naming them
together with the ledger row. A crash before the commit leaves only unnamed files, which
the next writer deletes.
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
from ticketlake.common.duck import scalar, table_exists
from ticketlake.common.sqltext import ident
from ticketlake.config import Settings
from ticketlake.ingest import mapping as mapping_mod
from ticketlake.ingest import stage
from ticketlake.ingest.targets import Plan, Request, Target, plan
from ticketlake.lake import manifest as mf
from ticketlake.lake.lake import Lake
from ticketlake.sources.readers import Chunk, FileProblem, read_csv, read_json

Progress = Callable[[str, int, int], None]  # (file name, rows done, bytes total)


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
                 on_wait: Callable[[str], None] | None = None) -> None:  # fmt: skip
        self.lake = lake
        self.settings = settings
        self.project_dir = project_dir
        self.progress = progress
        self.lock_timeout = lock_timeout
        self.on_wait = on_wait

    def ingest(self, request: Request) -> Outcome:
        """Plan ``request`` and ingest every file of it, in order."""
        work = plan(request, self.settings, self.project_dir)
        outcome = Outcome(ignored=work.ignored)
        outcome.chosen = [(t.path, t.format.name) for t in work.targets if t.chosen and t.format]
        if not work.targets and work.ignored:
            _path, why = work.ignored[0]
            raise FileProblem(f"no usable file in the given folder(s); first one: {why}")
        with self.lake.writer(self.lock_timeout, self.on_wait) as writer, self.connection() as con:
            for target in work.targets:
                outcome.batches.append(self._one(writer, con, target))
        return outcome

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        spill = self.lake.scratch_dir()
        con = duckdb.connect(config={**self.settings.engine.duckdb_config(),
                                     "temp_directory": str(spill)})  # fmt: skip
        try:
            con.execute("SET TimeZone = 'UTC'")
            _lookup_tables(con, self.settings)
            yield con
        finally:
            con.close()

    def _one(self, writer: Lake.Writer, con: duckdb.DuckDBPyConnection, target: Target) -> mf.Batch:
        started = datetime.now(UTC)
        batch = new_batch(target, started)
        known = writer.manifest.committed_sha().get((target.source, target.sha256))
        if target.problem:
            batch.status, batch.reason = "failed", target.problem
            return writer.record(batch)
        if known is not None:
            batch.status = "skipped"
            batch.reason = f"same content as batch {known.batch_id} ({Path(known.path).name})"
            return writer.record(batch)
        try:
            files = self._load(writer, con, target, batch)
        except FileProblem as exc:
            batch.status, batch.reason = "failed", str(exc)
            return writer.record(batch)
        batch.finished_at = datetime.now(UTC)
        return writer.commit(batch, files)

    def _load(self, writer: Lake.Writer, con: duckdb.DuckDBPyConnection, target: Target,
              batch: mf.Batch) -> list[mf.DataFile]:  # fmt: skip
        assert target.kind is not None
        columns = self._stage(con, target)
        rows_in = scalar(con, "SELECT (SELECT count(*) FROM raw) + (SELECT count(*) FROM rejected)")
        if rows_in == 0:
            raise FileProblem(f"{target.path}: empty file (no data rows)")
        resolved = mapping_mod.resolve(target.kind, columns, target.mapping, target.path)
        derived = target.kind.derived(target.path) if target.kind.derived else {}
        lineage = stage.Lineage(target.source, batch.batch_id, writer.next_seq, str(target.path))
        writer.expose(con)
        counts = stage.transform(
            con, target.kind, resolved, columns, target.reading, lineage, derived
        )
        batch.rows_in = rows_in
        batch.rows_loaded, batch.rows_quarantined = counts.rows_loaded, counts.rows_quarantined
        batch.duplicates, batch.events = counts.duplicates, counts.events
        batch.settings["mapping"] = resolved
        return writer.write_batch(con, batch.batch_id, target.source, str(target.path))

    def _stage(self, con: duckdb.DuckDBPyConnection, target: Target) -> list[str]:
        """Load the file into ``raw`` and ``rejected``; return its column names."""
        assert target.kind is not None
        con.execute(
            "CREATE OR REPLACE TEMP TABLE rejected (_line BIGINT, _raw VARCHAR, reason VARCHAR)"
        )
        con.execute("DROP TABLE IF EXISTS raw")
        if target.kind.container == "csv":
            columns, chunks = read_csv(target.path, target.encoding)
        else:
            columns, chunks = [], read_json(target.path, target.encoding)
        done = 0
        for chunk in chunks:
            columns = _append(con, chunk, columns)
            done += chunk.table.num_rows + len(chunk.rejected)
            if self.progress:
                self.progress(target.path.name, done, target.size)
        if not table_exists(con, "raw"):
            names = "".join(f"{ident(c)} VARCHAR, " for c in columns)
            con.execute(f"CREATE TEMP TABLE raw ({names}_line BIGINT, _raw VARCHAR)")
        return columns


def _append(con: duckdb.DuckDBPyConnection, chunk: Chunk, columns: list[str]) -> list[str]:
    """Add a chunk to ``raw`` (new JSON fields become new columns) and its rejects."""
    chunk_rows = chunk.table  # noqa: F841 - read by DuckDB below
    if not table_exists(con, "raw"):
        con.execute("CREATE TEMP TABLE raw AS SELECT * FROM chunk_rows")
    else:
        known = {r[0] for r in con.execute("DESCRIBE raw").fetchall()}
        for name in chunk.table.column_names:
            if name not in known:
                con.execute(f"ALTER TABLE raw ADD COLUMN {ident(name)} VARCHAR")
        con.execute("INSERT INTO raw BY NAME SELECT * FROM chunk_rows")
    for r in chunk.rejected:
        con.execute("INSERT INTO rejected VALUES (?, ?, ?)", [r.line, r.raw, r.reason])
    new = [c for c in chunk.table.column_names if c not in ("_line", "_raw", *columns)]
    return columns + new


def _lookup_tables(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Status and priority vocabularies from the configuration, as tables the SQL joins."""
    con.execute("CREATE TEMP TABLE status_map (label VARCHAR, category VARCHAR)")
    con.executemany("INSERT INTO status_map VALUES (?, ?)",
                    [[k.strip().lower(), v] for k, v in settings.statuses.items()])  # fmt: skip
    pairs = {a.strip().lower(): lvl for a, lvl in settings.priorities.aliases.items()}
    pairs.update({lvl.lower(): lvl for lvl in settings.priorities.levels})
    con.execute("CREATE TEMP TABLE priority_map (alias VARCHAR, level VARCHAR)")
    con.executemany("INSERT INTO priority_map VALUES (?, ?)", [list(p) for p in pairs.items()])


def new_batch(target: Target, started: datetime) -> mf.Batch:
    kind = target.kind.name if target.kind else ""
    settings: dict[str, object] = {"kind": kind, "timezone": target.reading.timezone,
                                   "date_format": target.reading.date_format,
                                   "null_markers": list(target.reading.null_markers),
                                   "encoding": target.encoding}  # fmt: skip
    return mf.Batch(batch_id=_new_id(started), seq=0, source=target.source,
                    format=target.format.name if target.format else "unknown",
                    path=str(target.path), sha256=target.sha256, size=target.size,
                    status="committed", started_at=started, finished_at=started,
                    version=__version__, settings=settings)  # fmt: skip


def _new_id(at: datetime) -> str:
    return f"{at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


__all__ = ["Ingestor", "Outcome", "Plan", "Request"]
