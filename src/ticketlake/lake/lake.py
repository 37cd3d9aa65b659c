"""The lake: Parquet files plus the manifest that says which of them are visible.

Writers go through :meth:`Lake.writer`, which takes the write lock, deletes files left by a
crashed writer and commits one manifest version per batch. Readers use :meth:`Lake.connect`,
which needs no lock: it reads the latest manifest once and builds views over exactly the
files it names, so a concurrent commit is invisible to it until it reconnects. Every path
handed to DuckDB comes from lake/integrity.py, which checks the file against the manifest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from ticketlake.common import duck
from ticketlake.common.duck import scalar
from ticketlake.common.sqltext import lit
from ticketlake.lake import integrity, schema
from ticketlake.lake import manifest as mf
from ticketlake.lake.index import KeyIndex
from ticketlake.lake.lock import WriteLock
from ticketlake.lake.stores import Store, open_store

# Store prefix of every table's files; bronze files sit under bronze/<source>/.
PREFIXES = {"bronze": "bronze", "ticket_events": "events", "ticket_links": "links",
            "ticket_sightings": "sightings", "quarantine": "quarantine",
            "quarantine_releases": "releases"}  # fmt: skip
LEDGER = pa.schema([
    ("batch_id", pa.string()), ("seq", pa.int64()), ("source", pa.string()),
    ("format", pa.string()), ("path", pa.string()), ("sha256", pa.string()), ("size", pa.int64()),
    ("status", pa.string()), ("reason", pa.string()), ("rows_in", pa.int64()),
    ("rows_loaded", pa.int64()), ("rows_quarantined", pa.int64()), ("duplicates", pa.int64()),
    ("events", pa.int64()), ("started_at", pa.timestamp("us")),
    ("finished_at", pa.timestamp("us")), ("version", pa.string()), ("retry_of", pa.string()),
    ("supersedes", pa.string()), ("superseded_by", pa.string()), ("history", pa.bool_()),
])  # fmt: skip
# Formats whose files exported a history, for batches recorded before the ledger said so.
_HISTORY_FORMATS = ("eventlog", "servicenow", "snapshots")


class Lake:
    """A lake at a URI, with a local working folder for locks and spill files."""

    def __init__(self, uri: str, work_dir: Path) -> None:
        self.store: Store = open_store(uri, work_dir / "cache")
        self.work_dir = work_dir
        self.index = KeyIndex.for_lake(self.store.uri, work_dir)

    def manifest(self) -> mf.Manifest:
        """The latest committed manifest."""
        return mf.load(self.store)

    def scratch_dir(self) -> Path:
        """Where DuckDB may spill while ingesting."""
        path = self.work_dir / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @contextmanager
    def writer(self, timeout: float = 600.0,
               on_wait: Callable[[str], None] | None = None) -> Iterator[Lake.Writer]:  # fmt: skip
        """Exclusive write access for the duration of the block."""
        with WriteLock(self.store.lock_path(), timeout, on_wait):
            writer = Lake.Writer(self)
            writer.remove_orphans()
            yield writer
            writer.flush()

    def connect(self, views: Mapping[str, str] | None = None) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with read views over the latest committed state, plus
        ``views`` (name -> SQL over them), such as the ``tickets`` model for lake readers."""
        con = duck.connect({})
        create_views(con, self.store, self.manifest(), views or {})
        return con

    def check_rows(self, manifest: mf.Manifest) -> None:
        """Check the files a build reads (every table but bronze) against ``manifest``,
        including the row counts in their Parquet footers; once per build, before it starts."""
        integrity.check_rows(self.store, [f for f in manifest.files if f.table in schema.TABLES])

    def verify(self, on_file: Callable[[int, int], None] | None = None) -> integrity.Verification:
        """Re-check every file of the latest manifest (size, SHA-256, rows) and list the data
        files no manifest names; ``on_file(done, total)`` reports progress."""
        return integrity.verify(self.store, self.manifest(), PREFIXES.values(), on_file)

    class Writer:
        """The write side, valid while the lock is held."""

        def __init__(self, lake: Lake) -> None:
            self.lake = lake
            self.store = lake.store
            self.manifest = lake.manifest()
            self._pending: list[mf.Batch] = []

        @property
        def next_seq(self) -> int:
            """The manifest version the next commit will create."""
            return self.manifest.version + 1

        def remove_orphans(self) -> None:
            """Delete data files no manifest names: leftovers of a writer that died."""
            named = self.manifest.named()
            for prefix in PREFIXES.values():
                for key in self.store.list(prefix, older_than=self.store.orphan_grace):
                    if key not in named:
                        self.store.delete(key)
            for key in self.store.list(mf.PREFIX):
                if key.endswith(".tmp"):
                    self.store.delete(key)

        def read_path(self, key: str) -> str:
            """A local path of the committed file ``key``, checked like every read."""
            return integrity.local_path(self.store, self.manifest, key)

        def use_index(self, con: duckdb.DuckDBPyConnection) -> None:
            """Attach the lake's key index to ``con`` as ``idx``, brought up to date."""
            self.lake.index.attach(con)
            self.lake.index.sync(con, self.store, self.manifest)

        def index_batch(self, con: duckdb.DuckDBPyConnection, outputs: Mapping[str, str]) -> None:
            """Add a just-committed batch's keys (lake table -> relation) to the index."""
            self.lake.index.add(con, outputs, self.manifest)

        def files_of(self, table: str, batch_ids: Sequence[str]) -> list[str]:
            """Local paths of the committed files of ``table`` written by ``batch_ids``."""
            wanted = set(batch_ids)
            return integrity.local_paths(self.store, [f for f in self.manifest.files
                                        if f.table == table and f.batch_id in wanted])  # fmt: skip

        def write_batch(self, con: duckdb.DuckDBPyConnection, batch_id: str, source: str,
                        outputs: Mapping[str, str]) -> list[mf.DataFile]:  # fmt: skip
            """Write each relation of ``outputs`` (lake table -> relation in ``con``) that
            has rows as one Parquet file of its table; return what to commit with the batch."""
            written: list[mf.DataFile] = []
            try:
                for table, relation in outputs.items():
                    if scalar(con, f"SELECT count(*) FROM (SELECT 1 FROM {relation} LIMIT 1)"):
                        folder = "bronze" if table == "bronze" else PREFIXES[table]
                        key = f"{folder}/{source}/{batch_id}.parquet"
                        sql = f"SELECT * FROM {relation}"
                        written.append(self._copy(con, table, sql, key, batch_id))
            except BaseException:
                self.discard(written)
                raise
            return written

        def discard(self, files: Sequence[mf.DataFile]) -> None:
            """Delete files written for a batch that will not be committed."""
            for f in files:
                self.store.delete(f.key)

        def copy_file(self, con: duckdb.DuckDBPyConnection, sql: str, table: str, key: str,
                      batch_id: str) -> mf.DataFile:  # fmt: skip
            """Write the rows of ``sql`` as the file ``key`` of ``table`` (not yet committed)."""
            return self._copy(con, table, sql, key, batch_id)

        def _copy(self, con: duckdb.DuckDBPyConnection, table: str, sql: str, key: str,
                  batch_id: str) -> mf.DataFile:  # fmt: skip
            path = self.store.write_path(key)
            rows = scalar(con, f"COPY ({sql}) TO {lit(path)} (FORMAT parquet, COMPRESSION zstd)")
            size, sha256 = integrity.digest(path)  # what every later read is checked against
            self.store.put(key)
            return mf.DataFile(
                table=table, key=key, rows=rows, batch_id=batch_id, size=size, sha256=sha256
            )

        def record(self, batch: mf.Batch) -> mf.Batch:
            """Note a skipped or failed batch; it is committed with the next commit."""
            self._pending.append(batch)
            return batch

        def commit(self, batch: mf.Batch, files: list[mf.DataFile]) -> mf.Batch:
            """Make ``batch`` and its files visible, together with pending ledger rows."""
            self.commit_all(self.manifest, [batch], files)
            return batch

        def rewrite(self, base: mf.Manifest, batches: list[mf.Batch],
                    files: list[mf.DataFile]) -> mf.Manifest:  # fmt: skip
            """Commit ``base`` (this writer's manifest with batches re-marked and files taken
            out or replaced) plus new ``batches`` and ``files`` as one version, then delete the
            files it no longer names."""
            if base.version != self.manifest.version:
                raise RuntimeError("a rewrite must start from the writer's own manifest")
            before = self.manifest.named()
            self.commit_all(base, batches, files)
            for key in sorted(before - self.manifest.named()):
                self.store.delete(key)
            return self.manifest

        def commit_all(self, base: mf.Manifest, batches: list[mf.Batch],
                       files: list[mf.DataFile]) -> None:  # fmt: skip
            """Commit ``base`` plus ``batches`` and ``files`` with the pending ledger rows."""
            base = _without_repeats(base, self._pending)
            self.manifest = mf.commit(self.store, base, [*self._pending, *batches], files)
            self._pending = []
            mf.prune(self.store)

        def flush(self) -> None:
            """Commit pending skipped or failed rows, if any."""
            if self._pending:
                base = _without_repeats(self.manifest, self._pending)
                self.manifest = mf.commit(self.store, base, self._pending, [])
                self._pending = []


def _without_repeats(manifest: mf.Manifest, new: list[mf.Batch]) -> mf.Manifest:
    """Drop earlier skipped or failed rows for the same file and content as a new one, so
    re-running a folder keeps one row per file rather than one per run."""
    seen = {(b.source, b.path, b.sha256, b.status) for b in new if b.status != "committed"}
    keep = [b for b in manifest.batches if (b.source, b.path, b.sha256, b.status) not in seen]
    return manifest.model_copy(update={"batches": keep})


def scan_sql(store: Store, manifest: mf.Manifest, table: str) -> str:
    """SQL reading every committed file of ``table`` (no rows when it has none), each file
    checked against the manifest first. Every column of the table's schema is there, NULL
    in files written before the column was added."""
    files = manifest.files_of(table)
    empty = schema.empty_select(schema.TABLES[table])
    if not files:
        return empty
    paths = ", ".join(lit(p) for p in integrity.local_paths(store, files))
    return f"{empty} UNION ALL BY NAME SELECT * FROM read_parquet([{paths}], union_by_name = true)"


def create_views(con: duckdb.DuckDBPyConnection, store: Store, manifest: mf.Manifest,
                 views: Mapping[str, str] | None = None) -> None:  # fmt: skip
    """Read views over one manifest: the canonical tables, the ledger and the quarantine, and
    any ``views`` (name -> SQL over those) the caller wants on top."""
    for table in ("ticket_events", "ticket_links", "ticket_sightings"):
        con.execute(f"CREATE OR REPLACE VIEW {table} AS {scan_sql(store, manifest, table)}")
    con.execute(f"""CREATE OR REPLACE VIEW quarantine AS
        SELECT q.*, r.released_by
        FROM ({scan_sql(store, manifest, "quarantine")}) q
        LEFT JOIN ({scan_sql(store, manifest, "quarantine_releases")}) r USING (batch_id, source_line)""")
    rows = pa.Table.from_pylist([ledger_row(b) for b in manifest.batches], schema=LEDGER)
    with duck.registered(con, "_ledger_rows", rows) as name:
        con.execute(f"CREATE OR REPLACE TABLE ledger AS SELECT * FROM {name}")
    for name, sql in (views or {}).items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")


def ledger_row(batch: mf.Batch) -> dict[str, object]:
    """A ledger row with naive UTC times (the lake's convention)."""
    row = batch.model_dump(exclude={"settings"})
    row["started_at"] = batch.started_at.replace(tzinfo=None)
    row["finished_at"] = batch.finished_at.replace(tzinfo=None)
    row["retry_of"] = ",".join(batch.retry_of) or None
    row["supersedes"] = ",".join(batch.supersedes) or None
    row["superseded_by"] = batch.superseded_by or None
    row["history"] = bool(batch.settings.get("history", batch.format in _HISTORY_FORMATS))
    return row
