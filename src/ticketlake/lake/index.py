"""The lake's key index: what a new batch is checked against, without scanning the lake.

Ingest asks three questions of everything already committed for a source: is this event (or
link) already there, when was this ticket created, and has this snapshot day been seen.
Answering them from the lake's files means reading every events file for every batch, so
ingest would slow down as the lake grows. The index answers them from a local DuckDB
database of just the keys, kept in step with the manifest: each commit adds its batch's keys
and records the manifest version (and history digest) they bring the index up to.

The index is derived data, kept next to the project (``.ticketlake/``) rather than in the
lake. When it is missing, behind (a crash between a commit and its update, or commits made
by another machine to a shared lake) or built from another history (the lake was deleted and
re-created), :meth:`KeyIndex.sync` catches it up from the files the manifest names, or
rebuilds it, before the writer uses it. Only the lake's writer opens it, under the lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import duckdb

from ticketlake.common.sqltext import lit
from ticketlake.lake import integrity
from ticketlake.lake import manifest as mf
from ticketlake.lake.stores import Store

ALIAS = "idx"
LAYOUT = 1  # bump when the tables change: an index of another layout is rebuilt
_TABLES = {
    "event_keys": "source VARCHAR, ticket_id VARCHAR, event_time TIMESTAMP, event_type VARCHAR, "
                  "event_key VARCHAR",
    "link_keys": "source VARCHAR, from_id VARCHAR, to_id VARCHAR, link_type VARCHAR",
    "created": "source VARCHAR, ticket_id VARCHAR, created_at TIMESTAMP",
    "sighting_days": "source VARCHAR, seen_on DATE, batch_id VARCHAR",
}  # fmt: skip
# What each lake table adds to the index: index table -> SELECT over the table's rows (``t``).
_KEYS = {
    "ticket_events": {
        "event_keys": "SELECT source, ticket_id, event_time, event_type, event_key FROM t",
        "created": "SELECT source, ticket_id, event_time FROM t WHERE event_type = 'created'",
    },
    "ticket_links": {"link_keys": "SELECT source, from_id, to_id, link_type FROM t"},
    "ticket_sightings": {
        "sighting_days": "SELECT DISTINCT source, seen_on, batch_id FROM t",
    },
}


class KeyIndex:
    """The index of one lake, in a DuckDB file; attach it to a connection to use it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_lake(cls, uri: str, work_dir: Path) -> KeyIndex:
        """The index file of the lake at ``uri``, in the project's working folder."""
        name = hashlib.sha256(uri.encode()).hexdigest()[:16]
        return cls(work_dir / "index" / f"{name}.duckdb")

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:
        """Attach the index as ``idx`` (created if absent) to ``con``."""
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"ATTACH {lit(str(self.path))} AS {ALIAS}")
        for table, columns in _TABLES.items():
            con.execute(f"CREATE TABLE IF NOT EXISTS {ALIAS}.{table} ({columns})")
        con.execute(f"CREATE TABLE IF NOT EXISTS {ALIAS}.state "
                    "(version BIGINT, digest VARCHAR, layout INTEGER)")  # fmt: skip

    def sync(self, con: duckdb.DuckDBPyConnection, store: Store, manifest: mf.Manifest) -> int:
        """Bring the attached index up to ``manifest``; return the batches it read."""
        state = con.execute(f"SELECT version, digest, layout FROM {ALIAS}.state").fetchall()
        version, digest, layout = state[0] if state else (0, "", LAYOUT)
        same = layout == LAYOUT and version <= manifest.version
        same = same and digest == manifest.digest(version)
        if same and version == manifest.version:
            return 0
        con.execute("BEGIN TRANSACTION")
        try:
            if not same:
                for table in _TABLES:
                    con.execute(f"DELETE FROM {ALIAS}.{table}")
                version = 0
            todo = manifest.since(version)
            for table in _KEYS:
                self._add_files(con, store, todo, table)
            self._set_state(con, manifest)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return len({f.batch_id for f in todo.files})

    @classmethod
    def scratch(cls) -> KeyIndex:
        """An empty index in memory: what a reprocess stages against, so the batches it
        derives again see only each other, as on the day the source was first ingested."""
        return cls(Path(":memory:"))

    def reset(self, con: duckdb.DuckDBPyConnection, store: Store, manifest: mf.Manifest,
              sources: set[str]) -> None:  # fmt: skip
        """Replace the keys of ``sources`` with those of their files in ``manifest`` (after a
        reprocess, rename, drop or restore) and record ``manifest`` as the version reached."""
        con.execute("BEGIN TRANSACTION")
        try:
            for table in _TABLES:
                con.execute(f"DELETE FROM {ALIAS}.{table} WHERE source IN "
                            f"(SELECT unnest(?::VARCHAR[]))", [sorted(sources)])  # fmt: skip
            ids = {b.batch_id for b in manifest.batches if b.source in sources}
            mine = manifest.model_copy(
                update={"files": [f for f in manifest.files if f.batch_id in ids]}
            )
            for table in _KEYS:
                self._add_files(con, store, mine, table)
            self._set_state(con, manifest)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def add(self, con: duckdb.DuckDBPyConnection, outputs: Mapping[str, str],
            manifest: mf.Manifest) -> None:  # fmt: skip
        """Add a just-committed batch's keys (``outputs``: lake table -> relation in
        ``con``) and record ``manifest`` as the version the index now reflects."""
        con.execute("BEGIN TRANSACTION")
        try:
            for table, relation in outputs.items():
                self._add(con, table, relation)
            self._set_state(con, manifest)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _add_files(self, con: duckdb.DuckDBPyConnection, store: Store, manifest: mf.Manifest,
                   table: str) -> None:  # fmt: skip
        files = manifest.files_of(table)
        if files:
            paths = ", ".join(lit(p) for p in integrity.local_paths(store, files))
            self._add(con, table, f"read_parquet([{paths}], union_by_name = true)")

    def _add(self, con: duckdb.DuckDBPyConnection, table: str, relation: str) -> None:
        for target, select in _KEYS.get(table, {}).items():
            con.execute(f"INSERT INTO {ALIAS}.{target} WITH t AS (SELECT * FROM {relation}) "
                        f"{select}")  # fmt: skip

    def _set_state(self, con: duckdb.DuckDBPyConnection, manifest: mf.Manifest) -> None:
        con.execute(f"DELETE FROM {ALIAS}.state")
        con.execute(f"INSERT INTO {ALIAS}.state VALUES (?, ?, ?)",
                    [manifest.version, manifest.digest(manifest.version), LAYOUT])  # fmt: skip
