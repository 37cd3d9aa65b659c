"""The DuckDB warehouse, published as immutable snapshots so readers are never blocked.

Every build writes a new DuckDB file under ``builds/`` next to the warehouse path, runs the
models into it, and then atomically repoints the warehouse path (a symbolic link) at it. A
reader, whether ``ticketlake query`` or a BI tool opening the path read-only, sees the build
it opened, whole, while the next one is being made.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from ticketlake.config import Settings
from ticketlake.engine import models
from ticketlake.errors import TicketlakeError, UsageError
from ticketlake.lake import Lake
from ticketlake.lake.lake import create_views
from ticketlake.lake.lock import WriteLock

KEEP_BUILDS = 2
READ_STATEMENTS = (exp.Query, exp.Describe, exp.Show, exp.Pragma)


@dataclass(frozen=True)
class Build:
    """What one build made: its file, the lake version it read and the models it ran."""

    path: Path
    lake_version: int
    models: list[str]
    built_at: datetime


class Warehouse:
    """The warehouse at ``path`` (a link to the current build)."""

    def __init__(self, path: Path, settings: Settings) -> None:
        self.path = path
        self.settings = settings
        self.builds = path.parent / "builds"

    def build(self, lake: Lake, select: str | None = None,
              on_model: Callable[[str], None] | None = None) -> Build:  # fmt: skip
        """Run the models (or ``select`` and what it needs) into a new snapshot; publish it."""
        todo = models.order(models.load(), select)
        self.builds.mkdir(parents=True, exist_ok=True)
        with WriteLock(self.builds / ".lock", timeout=600.0):
            manifest = lake.manifest()
            stamp = datetime.now(UTC)
            target = self.builds / f"{stamp:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.duckdb"
            con = duckdb.connect(str(target), config={"memory_limit": self.settings.engine.memory_limit,
                                                      "threads": self.settings.engine.threads})  # fmt: skip
            try:
                con.execute("SET TimeZone = 'UTC'")
                create_views(con, lake.store, manifest, derived=False)
                for model in todo:
                    if on_model:
                        on_model(model.name)
                    con.execute(f"CREATE OR REPLACE TABLE {model.name} AS {model.sql}")
                con.execute("CREATE TABLE _build AS SELECT ? AS lake_version, ? AS built_at, ? AS models",
                            [manifest.version, stamp.replace(tzinfo=None), [m.name for m in todo]])  # fmt: skip
                con.execute("CHECKPOINT")
            finally:
                con.close()
            self._publish(target)
            self._prune(target)
        return Build(target, manifest.version, [m.name for m in todo], stamp)

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
        return duckdb.connect(str(self.path.resolve()), read_only=True)

    def query(self, sql: str) -> tuple[list[str], list[tuple[object, ...]]]:
        """Run one read-only statement; anything that could write is refused."""
        check_read_only(sql)
        con = self.connect()
        try:
            cur = con.execute(sql)
            names = [d[0] for d in cur.description or ()]
            return names, cur.fetchall()
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
