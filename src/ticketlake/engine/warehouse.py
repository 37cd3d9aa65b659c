"""The DuckDB warehouse: built in a private working database, published as immutable files.

The builder brings the models up to date in ``work.duckdb`` next to the warehouse path
(engine/runner.py), committing each model as it is built so that memory holds one model's
new rows, not the whole build's. The database is first marked as holding no published build,
and names the build only in the last commit: a failed or killed build leaves it marked so, and
the next build starts it afresh. It then
publishes the build (engine/publish.py): the tables it changed as new Parquet files, a small
catalog naming every table's file, and finally the warehouse path, a symbolic link, switched
to the catalog in one rename. No build copies the warehouse. A reader, whether ticketlake or
a BI tool opening the path, sees the build it opened, whole, while the next one is made.

Only published builds count: retention keeps the newest :data:`KEEP_BUILDS` of them (a list
kept in ``builds/published.json``) and every build an open reader holds a lease on
(engine/leases.py: a reader opened by :meth:`Warehouse.reading` reads its build whole however
many builds are published meanwhile); anything else in ``builds/`` or ``tables/`` (older
builds, what a crashed build left) is deleted after each publish and when a build starts.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb
import pyarrow as pa

from ticketlake.common import duck
from ticketlake.config import Settings
from ticketlake.config.defaults import DUCKDB_BUILD_SHARE
from ticketlake.engine import leases, models, publish, reader, spark, stages
from ticketlake.engine.publish import Published
from ticketlake.engine.runner import STATE, Runner
from ticketlake.errors import OutOfMemoryError, StorageError, TicketlakeError, UsageError
from ticketlake.lake import Lake
from ticketlake.lake.lock import WriteLock

KEEP_BUILDS = 2
HISTORY = "published.json"
WORK = "work.duckdb"
_WORK_STATE = "_work_state"  # the build whose tables the working database holds
_ALWAYS = {STATE, "_build"}  # small tables every build publishes anew
_OWN = {HISTORY, ".lock", leases.FOLDER, leases.LOCK}  # what builds/ holds besides builds
T = TypeVar("T")


class WarehouseError(TicketlakeError):
    """A build could not be made or published: memory, disk space or the working database."""

    exit_code = 74


@dataclass(frozen=True)
class Snapshot:
    """An open reader of one published build: its sandboxed connection and what it holds."""

    con: duckdb.DuckDBPyConnection
    build: Published


@dataclass(frozen=True)
class Build:
    """What one build made: its catalog, the lake version it read and how each model ran."""

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
    """The warehouse at ``path`` (a link to the current build's catalog)."""

    def __init__(self, path: Path, settings: Settings) -> None:
        self.path = path
        self.settings = settings
        self.root = path.parent
        self.builds = self.root / "builds"

    def build(self, lake: Lake, select: str | None = None, full: bool = False,
              on_model: Callable[[str], None] | None = None,
              refit: bool = False) -> Build:  # fmt: skip
        """Refresh the models (or ``select`` and what it needs) and publish a new build.

        A ``grain: ticket`` model is refreshed for the tickets that batches committed since it
        was last built touched; any other model is recomputed when something it reads
        changed, and kept otherwise. ``full`` (or any change of a model's SQL, of the
        settings it reads or of the lake's history) recomputes everything from the lake.
        Python stages (engine/stages.py) follow the models when the whole catalog runs;
        ``refit`` refits their models (the themes of ticket text).
        """
        catalog = models.load()
        todo = models.order(catalog, select)
        with WriteLock(self._builds_lock(), timeout=600.0):
            self._clean()
            manifest = lake.manifest()
            lake.check_rows(manifest)  # a damaged lake file stops the build before it starts
            stamp = datetime.now(UTC)
            build_id = f"{stamp:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
            previous = self.current()
            self._check_space(previous, lake)
            try:
                with self._work(previous, full) as con:
                    modes = self._run(con, lake, manifest, catalog, todo, on_model, build_id)
                    if select is None:
                        modes |= stages.run(con, self.settings, refit, on_model)
                    modes_changed = [n for n, m in modes.items() if m != "unchanged"]
                    done = publish.write(con, self.root, build_id,
                                         [*modes_changed, *self._inputs(con)], previous,
                                         _tables(con))  # fmt: skip
            except BaseException as exc:
                self._abandon(build_id)
                if _ours(exc):
                    raise _explained(exc, self.root, self.settings.engine.memory_limit) from None
                raise
            self._link(done)
            self._prune()
        return Build(done.catalog, manifest.version, modes, stamp)

    def current(self) -> Published | None:
        """The published build the warehouse path points at (None before the first, or
        when it was written by a ticketlake that did not publish catalogs)."""
        if not self.path.exists():
            return None
        try:
            return publish.read(self.path.resolve())
        except (OSError, ValueError, KeyError, TypeError):
            return None

    @contextmanager
    def _work(self, previous: Published | None,
              full: bool) -> Iterator[duckdb.DuckDBPyConnection]:  # fmt: skip
        """The working database, marked as holding no published build (committed at once),
        then in a transaction committed when the block ends normally (the runner commits
        each model on the way). It is started afresh (so every model is rebuilt) for
        ``full``, for a first build, and when it does not hold the published build (a build
        that failed or died before it was published, or a warehouse from an older
        ticketlake)."""
        path = self.root / WORK
        holds = previous is not None and not full and _holds(path) == previous.build_id
        if not holds:
            _remove_database(path)
        config = self.settings.engine.duckdb_config(DUCKDB_BUILD_SHARE)
        con = duck.connect(config, self.root / ".tmp", str(path))
        try:
            _mark(con, None)
            con.execute("BEGIN TRANSACTION")
            yield con
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise
        finally:
            con.close()

    def _builds_lock(self) -> Path:
        """The lock file of ``builds/``, created now, so that a folder the system will not
        let us write is one clear error before any model runs."""
        lock = self.builds / ".lock"
        try:
            self.builds.mkdir(parents=True, exist_ok=True)
            os.close(os.open(lock, os.O_RDWR | os.O_CREAT, 0o644))
            leases.prepare(self.builds)  # so that readers add nothing but their leases
        except OSError as exc:
            raise StorageError.of(f"cannot write to the builds folder {self.builds}", exc) from None
        return lock

    def _run(self, con: duckdb.DuckDBPyConnection, lake: Lake, manifest: object,
             catalog: dict[str, models.Model], todo: list[models.Model],
             on_model: Callable[[str], None] | None, build_id: str) -> dict[str, str]:  # fmt: skip
        runner = Runner(con, lake, manifest, self.settings, commit_each=True)  # type: ignore[arg-type]
        if self.settings.engine.name == "spark":
            tables = spark.build(lake, manifest, self.settings, build_id, todo,  # type: ignore[arg-type]
                                 on_model)  # fmt: skip
            modes = runner.adopt(catalog, tables)
        else:
            modes = runner.run(catalog, todo, on_model)
        con.execute("CREATE OR REPLACE TABLE _build AS SELECT ? AS lake_version, "
                    "? AS built_at, ? AS models",
                    [runner.manifest.version, datetime.now(UTC).replace(tzinfo=None),
                     list(modes)])  # fmt: skip
        _mark(con, build_id)
        return modes

    def _inputs(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        """Tables every build writes anew: settings, ledger and state (all small)."""
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT "
                                           "temporary").fetchall()]  # fmt: skip
        return [n for n in names if n in models.INPUT_TABLES or n in _ALWAYS]

    def _link(self, done: Published) -> None:
        """Publish: repoint the warehouse path at the catalog in one atomic rename, then
        note the build among the published ones."""
        link = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.link")
        link.symlink_to(os.path.relpath(done.catalog, self.path.parent))
        os.replace(link, self.path)
        history = [done.build_id, *(b for b in self._history() if b != done.build_id)]
        temp = self.builds / f".{HISTORY}.tmp"
        temp.write_text(json.dumps(history[:KEEP_BUILDS]), encoding="utf-8")
        os.replace(temp, self.builds / HISTORY)

    def _history(self) -> list[str]:
        """Published builds, newest first."""
        try:
            found = json.loads((self.builds / HISTORY).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            found = []
        current = self.current()
        ids = [str(b) for b in found if isinstance(b, str)]
        return ids if current is None or current.build_id in ids else [current.build_id, *ids]

    def _kept(self) -> list[Published]:
        """The published builds retention keeps (their catalogs and files stay)."""
        kept = []
        for build_id in self._history()[:KEEP_BUILDS]:
            try:
                kept.append(publish.read(self.builds / f"{build_id}.duckdb"))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return kept

    def _held(self) -> list[Published]:
        """The builds open readers hold leases on (engine/leases.py), besides the kept ones."""
        held = []
        for build_id in sorted(leases.held(self.builds) - set(self._history()[:KEEP_BUILDS])):
            try:
                held.append(publish.read(self.builds / f"{build_id}.duckdb"))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return held

    def _prune(self) -> None:
        """Delete catalogs and table files that no kept build and no open reader names."""
        self._clean()

    def _clean(self) -> None:
        """Remove everything in ``builds/`` and ``tables/`` that no kept or held build names:
        older builds, and what a failed or killed build left (catalogs, table files, WAL
        files). Readers taking leases wait meanwhile (a moment: only files are deleted)."""
        with leases.taking_turns(self.builds):
            kept = [*self._kept(), *self._held()]
            catalogs = {name for b in kept for name in (b.catalog.name, f"{b.build_id}.json")}
            files = {str(b.root / t.file) for b in kept for t in b.tables.values()}
            for path in self.builds.glob("*"):
                if path.name not in catalogs and path.name not in _OWN:
                    _remove(path)
            for path in (self.root / "tables").glob("*/*"):
                if str(path) not in files:
                    _remove(path)
        shutil.rmtree(self.root / ".tmp", ignore_errors=True)

    def _abandon(self, build_id: str) -> None:
        """Delete what a failed build wrote (its catalog and table files)."""
        for path in (self.root / "tables").glob(f"*/{build_id}.parquet"):
            _remove(path)
        for path in self.builds.glob(f"*{build_id}*"):
            _remove(path)

    def _check_space(self, previous: Published | None, lake: Lake) -> None:
        """Refuse to start when the warehouse's disk cannot hold another build: about the
        size of the last one (twice the lake's size before the first)."""
        lake_bytes = sum(f.size or 0 for f in lake.manifest().files if f.table != "bronze")
        needed = previous.size() if previous else 2 * lake_bytes
        needed = int(needed * 1.2) + (16 << 20)
        free = shutil.disk_usage(self.root).free
        if free < needed:
            raise WarehouseError(
                f"{self.root}: {_mb(free)} free, but a build needs about {_mb(needed)} "
                "(the size of the last one); free some space or set paths.warehouse elsewhere"
            )

    def mount(self, build: Published | None = None) -> reader.Mount:
        """What readers see: the table files of ``build``, by default the current one (the
        seam with reader.py)."""
        current = build or self._built()
        files = {name: current.path_of(name) for name in current.tables}
        spill = Path(tempfile.gettempdir()) / f"ticketlake-read-{uuid.uuid4().hex[:12]}"
        return reader.Mount(files, spill, f"the warehouse build {current.build_id}")

    def connect(self, write_to: Path | None = None) -> duckdb.DuckDBPyConnection:
        """A sandboxed connection to the current build (engine/reader.py): it reads the
        warehouse and no other file; ``write_to`` is a folder it may also write into. It
        holds no lease: its build stays only while retention keeps it, so a reader open
        for longer than one build uses :meth:`reading`."""
        return reader.connect(self.mount(), self.settings.engine, write_to)

    @contextmanager
    def reading(self, write_to: Path | None = None) -> Iterator[Snapshot]:
        """A sandboxed connection to the current build (as :meth:`connect`) holding a lease
        on it, so the build stays whole however many are published until the block ends."""
        with self._leased() as (build, _lease):
            con = reader.connect(self.mount(build), self.settings.engine, write_to)
            try:
                yield Snapshot(con, build)
            finally:
                con.close()

    @contextmanager
    def _leased(self) -> Iterator[tuple[Published, leases.Lease | None]]:
        """The current build with a lease on it, released when the block ends."""
        self._built()
        with leases.taking_turns(self.builds):
            build = self._built()  # resolved under the lock: no prune runs meanwhile
            lease = leases.take(self.builds, build.build_id)
        try:
            yield build, lease
        finally:
            if lease is not None:
                lease.release()

    def _built(self) -> Published:
        current = self.current()
        if current is None:
            raise UsageError("the warehouse has not been built yet; run `ticketlake build`")
        return current

    def arrow(self, sql: str) -> pa.Table:
        """The result of one of ticketlake's own SELECTs as an Arrow table, every row."""
        return self._read(lambda con: reader.catalog_query(con, sql))

    def tables(self) -> list[tuple[str, int]]:
        """Every table of the current build with its row count, inputs and state excluded."""
        current = self.current()
        if current is None:
            raise UsageError("the warehouse has not been built yet; run `ticketlake build`")
        return sorted((name, t.rows) for name, t in current.tables.items()
                      if not name.startswith("_"))  # fmt: skip

    def query(self, sql: str, limits: reader.Limits | None = None) -> reader.Result:
        """Run one SELECT a person typed, in the sandbox; ``limits`` caps rows and time."""
        return self._read(lambda con: reader.user_query(con, sql, limits or reader.Limits()))

    def _read(self, run: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """``run`` on a sandboxed connection of its own, closed afterwards."""
        with self.reading() as snapshot:
            return run(snapshot.con)


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The working database's tables that make up a build (all but its own state)."""
    rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary "
                       "AND schema_name = 'main' ORDER BY table_name").fetchall()  # fmt: skip
    return [r[0] for r in rows if r[0] != _WORK_STATE]


def _mark(con: duckdb.DuckDBPyConnection, build_id: str | None) -> None:
    """Record the build whose tables the working database holds (None: no published one)."""
    con.execute(f"CREATE OR REPLACE TABLE {_WORK_STATE} AS SELECT CAST(? AS VARCHAR) AS build_id",
                [build_id])  # fmt: skip


def _holds(path: Path) -> str | None:
    """The build whose tables the working database at ``path`` holds, if it can tell."""
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        found = con.execute(f"SELECT build_id FROM {_WORK_STATE}").fetchall()[0][0]
        return None if found is None else str(found)
    except (duckdb.Error, IndexError):
        return None
    finally:
        con.close()


def _remove_database(path: Path) -> None:
    """Delete a DuckDB database file with its write-ahead log."""
    for part in (path, Path(f"{path}.wal")):
        part.unlink(missing_ok=True)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # the transaction may be aborted already
        con.execute("ROLLBACK")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _mb(size: int) -> str:
    return f"{size / 1e6:,.0f} MB" if size >= 1e6 else f"{size / 1e3:,.0f} kB"


def _ours(exc: BaseException) -> bool:
    """Whether ``exc`` is turned into one of our one-line errors by :func:`_explained`."""
    return isinstance(exc, (duckdb.OutOfMemoryException, MemoryError)) or _no_space(exc)


def _no_space(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, duckdb.Error) and "No space left on device" in str(exc)


def _explained(exc: BaseException, root: Path, limit: str) -> BaseException:
    """Running out of memory or disk as one line naming the setting to change; anything
    else unchanged."""
    if isinstance(exc, (duckdb.OutOfMemoryException, MemoryError)):
        return OutOfMemoryError.during(f"building the warehouse in {root}", limit,
                                       "nothing was published", DUCKDB_BUILD_SHARE)  # fmt: skip
    if _no_space(exc):
        return WarehouseError(f"{root}: the disk filled up while building; free some space "
                              "and build again (nothing was published)")  # fmt: skip
    return exc
