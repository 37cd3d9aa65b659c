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
import sqlglot
from sqlglot import exp

from ticketlake.common.duck import scalar
from ticketlake.config import Settings
from ticketlake.engine import models, spark
from ticketlake.engine.runner import Runner
from ticketlake.errors import StorageError, TicketlakeError, UsageError
from ticketlake.lake import Lake
from ticketlake.lake.lock import WriteLock

KEEP_BUILDS = 2
T = TypeVar("T")
READ_STATEMENTS = (exp.Query, exp.Describe, exp.Show, exp.Pragma)


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
        with WriteLock(self._builds_lock(), timeout=600.0):
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

    def _builds_lock(self) -> Path:
        """The lock file of ``builds/``, created now, so that a folder the system will not
        let us write is one clear error before any model runs."""
        lock = self.builds / ".lock"
        try:
            self.builds.mkdir(parents=True, exist_ok=True)
            os.close(os.open(lock, os.O_RDWR | os.O_CREAT, 0o644))
        except OSError as exc:
            raise StorageError.of(f"cannot write to the builds folder {self.builds}", exc) from None
        return lock

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

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the current build."""
        if not self.path.exists():
            raise UsageError("the warehouse has not been built yet; run `ticketlake build`")
        return duckdb.connect(
            str(self.path.resolve()), read_only=True, config=self.settings.engine.duckdb_config()
        )

    def arrow(self, sql: str) -> pa.Table:
        """The result of one read-only statement as an Arrow table."""
        return self._read(sql, lambda con: con.sql(sql).to_arrow_table())

    def tables(self) -> list[tuple[str, int]]:
        """Every table of the current build with its row count, inputs and state excluded."""
        con = self.connect()
        try:
            names = con.execute("SELECT table_name FROM duckdb_tables() "
                                "WHERE NOT starts_with(table_name, '_') ORDER BY table_name").fetchall()  # fmt: skip
            return [(name, scalar(con, f"SELECT count(*) FROM {name}")) for (name,) in names]
        finally:
            con.close()

    def query(self, sql: str) -> tuple[list[str], list[tuple[object, ...]]]:
        """Run one read-only statement; anything that could write is refused."""

        def rows(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple[object, ...]]]:
            cur = con.execute(sql)
            return [d[0] for d in cur.description or ()], cur.fetchall()

        return self._read(sql, rows)

    def _read(self, sql: str, fetch: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """``fetch`` on a read-only connection, once ``sql`` is known to be read-only."""
        check_read_only(sql)
        con = self.connect()
        try:
            return fetch(con)
        except duckdb.Error as exc:
            raise TicketlakeError(f"query failed: {exc}".splitlines()[0]) from None
        finally:
            con.close()


def check_read_only(sql: str) -> None:
    """Accept exactly one SELECT-like statement (SELECT, WITH, DESCRIBE, SHOW, PRAGMA)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=models.DIALECT) if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise UsageError(f"query does not parse: {exc}".splitlines()[0]) from None
    if len(statements) != 1:
        raise UsageError("give exactly one SQL statement")
    statement = statements[0]
    if not isinstance(statement, READ_STATEMENTS) or any(
        isinstance(node, (exp.Insert, exp.Delete, exp.Update, exp.Create, exp.Drop, exp.Copy))
        for node in statement.walk()
    ):
        raise UsageError(f"only read-only queries are allowed, not {statement.key.upper()}")
