"""The DuckDB warehouse, published as immutable snapshots so readers are never blocked.

Every build copies the current snapshot to a new DuckDB file under ``builds/`` next to the
warehouse path, brings the models up to date in it (engine/runner.py), and then atomically
repoints the warehouse path (a symbolic link) at it. A
reader, whether ``ticketlake query`` or a BI tool opening the path read-only, sees the build
it opened, whole, while the next one is being made.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb
import pyarrow as pa

from ticketlake.common.sqltext import ident, lit
from ticketlake.config import Settings
from ticketlake.engine import models, reader, spark
from ticketlake.engine.runner import Runner
from ticketlake.errors import UsageError
from ticketlake.lake import Lake
from ticketlake.lake.lock import WriteLock

KEEP_BUILDS = 2
T = TypeVar("T")


@dataclass(frozen=True)
class Build:
    """What one build made: its file, the lake version it read and how each model ran."""

    path: Path
    lake_version: int
    modes: dict[str, str]
    built_at: datetime

    @property
    def models(self) -> list[str]:
        """The models the build ran, in order."""
        return list(self.modes)

    def summary(self) -> str:
        """How many models ran in each mode, e.g. ``3 incremental, 24 full``."""
        modes = ("incremental", "full", "unchanged", "spark")
        counts = {m: list(self.modes.values()).count(m) for m in modes}
        return ", ".join(f"{n} {mode}" for mode, n in counts.items() if n)


class Warehouse:
    """The warehouse at ``path`` (a link to the current build)."""

    def __init__(self, path: Path, settings: Settings) -> None:
        self.path = path
        self.settings = settings
        self.builds = path.parent / "builds"

    def build(self, lake: Lake, select: str | None = None, full: bool = False,
              on_model: Callable[[str], None] | None = None) -> Build:  # fmt: skip
        """Refresh the models (or ``select`` and what it needs) into a new snapshot; publish it.

        The new snapshot starts as a copy of the current one. A ``grain: ticket`` model is
        then refreshed for the tickets that batches committed since it was last built touched;
        any other model is recomputed when something it reads changed, and kept otherwise.
        ``full`` (or any change of a model's SQL, of the settings it reads or of the lake's
        history) recomputes everything from the lake.
        """
        catalog = models.load()
        todo = models.order(catalog, select)
        self.builds.mkdir(parents=True, exist_ok=True)
        with WriteLock(self.builds / ".lock", timeout=600.0):
            manifest = lake.manifest()
            stamp = datetime.now(UTC)
            target = self.builds / f"{stamp:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.duckdb"
            previous = self.path.resolve() if self.path.exists() and not full else None
            if previous is not None:
                shutil.copyfile(previous, target)
            con = duckdb.connect(str(target), config=self.settings.engine.duckdb_config())
            try:
                runner = Runner(con, lake, manifest, self.settings)
                if self.settings.engine.name == "spark":
                    tables = spark.build(lake, manifest, self.settings, target.stem, todo,
                                         on_model)  # fmt: skip
                    modes = runner.adopt(catalog, tables)
                else:
                    modes = runner.run(catalog, todo, on_model)
                con.execute("CREATE OR REPLACE TABLE _build AS SELECT ? AS lake_version, "
                            "? AS built_at, ? AS models",
                            [manifest.version, stamp.replace(tzinfo=None), list(modes)])  # fmt: skip
                con.execute("CHECKPOINT")
            except BaseException:
                con.close()
                target.unlink(missing_ok=True)
                raise
            con.close()
            self._publish(target)
            self._prune(target)
        return Build(target, manifest.version, modes, stamp)

    def _publish(self, target: Path) -> None:
        """Repoint the warehouse path at ``target`` in one atomic rename."""
        link = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.link")
        link.symlink_to(os.path.relpath(target, self.path.parent))
        os.replace(link, self.path)

    def _prune(self, current: Path) -> None:
        """Keep the newest builds; an open reader keeps its file's data even once unlinked."""
        old = sorted(p for p in self.builds.glob("*.duckdb") if p != current)
        for path in old[: max(0, len(old) - (KEEP_BUILDS - 1))]:
            path.unlink(missing_ok=True)
            Path(f"{path}.wal").unlink(missing_ok=True)

    def mount(self) -> reader.Mount:
        """What readers see: the current build, read-only (the seam with engine/reader.py)."""
        if not self.path.exists():
            raise UsageError("the warehouse has not been built yet; run `ticketlake build`")
        build = self.path.resolve()
        return reader.Mount(database=build, spill=Path(f"{build}.{uuid.uuid4().hex[:12]}.tmp"))

    def connect(self, write_to: Path | None = None) -> duckdb.DuckDBPyConnection:
        """A sandboxed connection to the current build (engine/reader.py): it reads the
        warehouse and no other file; ``write_to`` is a folder it may also write into."""
        return reader.connect(self.mount(), self.settings.engine, write_to)

    def arrow(self, sql: str) -> pa.Table:
        """The result of one of ticketlake's own SELECTs as an Arrow table, every row."""
        return self._read(lambda con: reader.catalog_query(con, sql))

    def tables(self) -> list[tuple[str, int]]:
        """Every table of the current build with its row count, inputs and state excluded."""
        return self._read(_tables)

    def query(self, sql: str, limits: reader.Limits | None = None) -> reader.Result:
        """Run one SELECT a person typed, in the sandbox; ``limits`` caps rows and time."""
        return self._read(lambda con: reader.user_query(con, sql, limits or reader.Limits()))

    def _read(self, run: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """``run`` on a sandboxed connection of its own, closed afterwards."""
        con = self.connect()
        try:
            return run(con)
        finally:
            con.close()


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """The tables one connection sees, with their row counts, in name order."""
    names = reader.catalog_query(con, "SELECT table_name FROM duckdb_tables() "
                                 "WHERE NOT starts_with(table_name, '_')").column(0)  # fmt: skip
    counts = [f"SELECT {lit(n)} AS t, count(*) AS n FROM {ident(n)}" for n in names.to_pylist()]
    if not counts:
        return []
    found = reader.catalog_query(con, " UNION ALL ".join(counts) + " ORDER BY t")
    return list(zip(found.column("t").to_pylist(), found.column("n").to_pylist(), strict=True))
