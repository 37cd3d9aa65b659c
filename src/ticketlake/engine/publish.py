"""A published build: each table as an immutable Parquet file, named in a small catalog.

The builder keeps its own working database (``warehouse/work.duckdb``) and changes it in
place. Publishing writes only the tables a build changed, as ``tables/<table>/<build>.parquet``;
an unchanged table keeps the file an earlier build wrote. The catalog,
``builds/<build>.duckdb``, holds one view per table over its file (so any DuckDB client can
open it) and ``_tables``, the list of files with their row counts and sizes, which
``builds/<build>.json`` repeats for ticketlake itself (read without opening a database that a
reader in the same process may hold open with other settings). The warehouse
path is a symbolic link to the newest catalog, switched in one rename: a reader opens one
catalog and reads the files it names, which are never changed, so it sees that build whole.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from ticketlake.common.duck import scalar
from ticketlake.common.files import fsync
from ticketlake.common.sqltext import ident, lit

TABLES = "_tables"  # the catalog's list of tables and files


@dataclass(frozen=True)
class TableFile:
    """One published table: its Parquet file (relative to the warehouse folder) and size."""

    file: str
    rows: int
    bytes: int


@dataclass
class Published:
    """The tables of one published build."""

    build_id: str
    catalog: Path
    tables: dict[str, TableFile] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The warehouse folder the table files are relative to."""
        return self.catalog.parent.parent

    def path_of(self, table: str) -> Path:
        """The absolute path of ``table``'s file."""
        return self.root / self.tables[table].file

    def size(self) -> int:
        """Bytes of every file the build names."""
        return sum(t.bytes for t in self.tables.values())


def read(catalog: Path) -> Published:
    """The build a catalog file describes (from the JSON list written beside it)."""
    data = json.loads(catalog.with_suffix(".json").read_text(encoding="utf-8"))
    tables = {name: TableFile(**entry) for name, entry in data["tables"].items()}
    return Published(catalog.stem, catalog, tables)


def write(work: duckdb.DuckDBPyConnection, root: Path, build_id: str, changed: Iterable[str],
          previous: Published | None, tables: Iterable[str]) -> Published:  # fmt: skip
    """Publish ``tables`` of the working database: ``changed`` ones (and any the previous
    build lacks) as new files, the others as the previous build's files; then the catalog.
    Nothing is visible until the caller switches the warehouse link to the catalog."""
    out = Published(build_id, root / "builds" / f"{build_id}.duckdb")
    renew = set(changed)
    for table in tables:
        if previous is not None and table not in renew and table in previous.tables:
            out.tables[table] = previous.tables[table]
        else:
            out.tables[table] = _export(work, root, table, build_id)
    _catalog(out)
    return out


def _export(work: duckdb.DuckDBPyConnection, root: Path, table: str, build_id: str) -> TableFile:
    relative = f"tables/{table}/{build_id}.parquet"
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = scalar(work, f"COPY {ident(table)} TO {lit(str(target))} "
                        "(FORMAT parquet, COMPRESSION zstd)")  # fmt: skip
    fsync(target)
    return TableFile(relative, rows, target.stat().st_size)


def _catalog(published: Published) -> None:
    """Write the catalog under a temporary name, then rename it into place."""
    temp = published.catalog.with_name(f".{published.catalog.name}.tmp")
    temp.unlink(missing_ok=True)
    con = duckdb.connect(str(temp))
    try:
        con.execute(f"CREATE TABLE {TABLES} (table_name VARCHAR, file VARCHAR, rows BIGINT, "
                    "bytes BIGINT)")  # fmt: skip
        con.executemany(f"INSERT INTO {TABLES} VALUES (?, ?, ?, ?)",
                        [[n, t.file, t.rows, t.bytes] for n, t in published.tables.items()])  # fmt: skip
        for name in published.tables:
            con.execute(f"CREATE VIEW {ident(name)} AS SELECT * FROM "
                        f"read_parquet({lit(str(published.path_of(name)))})")  # fmt: skip
        con.execute("CHECKPOINT")
    finally:
        con.close()
    fsync(temp)
    listing = published.catalog.with_name(f".{published.build_id}.json.tmp")
    body = {"build": published.build_id,
            "tables": {n: asdict(t) for n, t in published.tables.items()}}  # fmt: skip
    listing.write_text(json.dumps(body, indent=1), encoding="utf-8")
    fsync(listing)
    os.replace(listing, published.catalog.with_suffix(".json"))
    os.replace(temp, published.catalog)
    fsync(published.catalog.parent)


def views(con: duckdb.DuckDBPyConnection, published: Published,
          names: Mapping[str, str] | None = None) -> list[str]:  # fmt: skip
    """Create a view per published table in ``con`` (named as the table, or as ``names``
    says); return the files they read, for a reader that may read exactly those."""
    files = []
    for table in published.tables:
        path = str(published.path_of(table))
        con.execute(f"CREATE OR REPLACE TEMP VIEW {ident((names or {}).get(table, table))} AS "
                    f"SELECT * FROM read_parquet({lit(path)})")  # fmt: skip
        files.append(path)
    return files
