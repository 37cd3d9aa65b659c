"""The DuckDB warehouse, published as immutable snapshots so readers are never blocked.

Every build writes a new DuckDB file under ``builds/`` next to the warehouse path, runs the
models into it, and then atomically repoints the warehouse path (a symbolic link) at it. A
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

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

from ticketlake.config import Settings
from ticketlake.engine import inputs, models
from ticketlake.engine.duck import scalar, table_exists
from ticketlake.errors import TicketlakeError, UsageError
from ticketlake.lake import Lake
from ticketlake.lake.lake import create_views, scan_sql
from ticketlake.lake.lock import WriteLock
from ticketlake.lake.manifest import Manifest

KEEP_BUILDS = 2
READ_STATEMENTS = (exp.Query, exp.Describe, exp.Show, exp.Pragma)
STATE = "_models"  # one row per model: what it was built from, and how


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
        counts = {
            m: list(self.modes.values()).count(m) for m in ("incremental", "full", "unchanged")
        }
        return ", ".join(f"{n} {mode}" for mode, n in counts.items() if n)


@dataclass(frozen=True)
class _State:
    digest: str
    settings: str
    lake_version: int
    lake_digest: str


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
            con = duckdb.connect(str(target), config={"memory_limit": self.settings.engine.memory_limit,
                                                      "threads": self.settings.engine.threads})  # fmt: skip
            try:
                modes = self._run(con, lake, manifest, catalog, todo, on_model)
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

    def _run(self, con: duckdb.DuckDBPyConnection, lake: Lake, manifest: Manifest,
             catalog: dict[str, models.Model], todo: list[models.Model],
             on_model: Callable[[str], None] | None) -> dict[str, str]:  # fmt: skip
        """Run ``todo`` in order inside ``con``; return each model's mode: ``full``,
        ``incremental`` (some tickets refreshed) or ``unchanged`` (nothing it reads changed)."""
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"CREATE TABLE IF NOT EXISTS {STATE} (model VARCHAR PRIMARY KEY, "
                    "digest VARCHAR, settings VARCHAR, lake_version BIGINT, lake_digest VARCHAR, "
                    "mode VARCHAR, rows_changed BIGINT, built_at TIMESTAMP)")  # fmt: skip
        _drop_unknown(con, catalog)
        create_views(con, lake.store, manifest, derived=False)
        inputs.write(con, self.settings)
        settings_digest = inputs.fingerprint(self.settings)
        state = _load_state(con)
        recomputed: set[str] = set()  # rebuilt from scratch in this build
        touched: set[str] = set()  # whose rows changed in this build
        modes: dict[str, str] = {}
        for model in todo:
            if on_model:
                on_model(model.name)
            old = state.get(model.name)
            current = (
                old is not None
                and old.digest == model.digest
                and old.settings == settings_digest
                and old.lake_version <= manifest.version
                and old.lake_digest == manifest.digest(old.lake_version)
                and not (model.reads & recomputed)
                and table_exists(con, model.name)
            )
            if current and old is not None and model.per_ticket:
                rows = _refresh(con, lake, manifest, model, old.lake_version, catalog)
                modes[model.name] = "incremental" if rows else "unchanged"
            elif (current and old is not None and not (model.reads & touched)
                  and not _lake_changed(model, manifest, old.lake_version)):  # fmt: skip
                rows, modes[model.name] = 0, "unchanged"
            else:
                con.execute(f"CREATE OR REPLACE TABLE {model.name} AS {model.sql}")
                rows = scalar(con, f"SELECT count(*) FROM {model.name}")
                recomputed.add(model.name)
                modes[model.name] = "full"
            if modes[model.name] != "unchanged":
                touched.add(model.name)
            con.execute(f"INSERT OR REPLACE INTO {STATE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [model.name, model.digest, settings_digest, manifest.version,
                         manifest.digest(manifest.version), modes[model.name], rows,
                         datetime.now(UTC).replace(tzinfo=None)])  # fmt: skip
        return modes

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

    def arrow(self, sql: str) -> pa.Table:
        """The result of one read-only statement as an Arrow table."""
        check_read_only(sql)
        con = self.connect()
        try:
            return con.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            raise TicketlakeError(f"query failed: {exc}".splitlines()[0]) from None
        finally:
            con.close()

    def tables(self) -> list[tuple[str, int]]:
        """Every table of the current build with its row count, inputs and state excluded."""
        con = self.connect()
        try:
            rows = con.execute("SELECT table_name, estimated_size FROM duckdb_tables() "
                               "WHERE NOT starts_with(table_name, '_') ORDER BY table_name").fetchall()  # fmt: skip
            return [(name, scalar(con, f"SELECT count(*) FROM {name}")) for name, _ in rows]
        finally:
            con.close()

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


def _load_state(con: duckdb.DuckDBPyConnection) -> dict[str, _State]:
    rows = con.execute(
        f"SELECT model, digest, settings, lake_version, lake_digest FROM {STATE}"
    ).fetchall()
    return {r[0]: _State(r[1], r[2], r[3], r[4]) for r in rows}


def _lake_changed(model: models.Model, manifest: Manifest, since: int) -> bool:
    """Whether a lake table ``model`` reads has had files (or the ledger batches) since."""
    tables = {f.table for f in manifest.since(since).files}
    new_batches = any(b.seq > since for b in manifest.batches)
    return bool(model.reads & tables) or ("ledger" in model.reads and new_batches)


def _drop_unknown(con: duckdb.DuckDBPyConnection, catalog: dict[str, models.Model]) -> None:
    """Drop tables of models that no longer exist, so a copied snapshot holds no leftovers."""
    keep = set(catalog) | models.INPUT_TABLES | {STATE, "_build"}
    for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary"
    ).fetchall():
        if name not in keep:
            con.execute(f"DROP TABLE {name}")
            con.execute(f"DELETE FROM {STATE} WHERE model = ?", [name])


def _refresh(con: duckdb.DuckDBPyConnection, lake: Lake, manifest: Manifest,
             model: models.Model, since: int, catalog: dict[str, models.Model]) -> int:  # fmt: skip
    """Recompute ``model``'s rows for the tickets touched by batches after ``since``."""
    new = manifest.since(since)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _changed AS
        SELECT DISTINCT source, ticket_id FROM ({scan_sql(lake.store, new, "ticket_events")})
        UNION SELECT source, from_id FROM ({scan_sql(lake.store, new, "ticket_links")})
        UNION SELECT source, to_id FROM ({scan_sql(lake.store, new, "ticket_links")})""")  # fmt: skip
    changed = scalar(con, "SELECT count(*) FROM _changed")
    if not changed:
        return 0
    per_ticket = {name for name, m in catalog.items() if m.per_ticket} | {"ticket_events"}
    con.execute("""CREATE OR REPLACE TEMP VIEW _delta_ticket_links AS
        SELECT l.* FROM ticket_links l
        WHERE EXISTS (SELECT 1 FROM _changed c WHERE c.source = l.source
                                                AND c.ticket_id IN (l.from_id, l.to_id))""")
    mapping = {"ticket_links": "_delta_ticket_links"}
    for name in per_ticket & model.reads:
        con.execute(f"CREATE OR REPLACE TEMP VIEW _delta_{name} AS "
                    f"SELECT t.* FROM {name} t SEMI JOIN _changed USING (source, ticket_id)")  # fmt: skip
        mapping[name] = f"_delta_{name}"
    sql = _rename_tables(model.sql, mapping)
    con.execute(f"DELETE FROM {model.name} t USING _changed c "
                "WHERE t.source = c.source AND t.ticket_id = c.ticket_id")  # fmt: skip
    con.execute(f"INSERT INTO {model.name} BY NAME SELECT q.* FROM ({sql}) q "
                "SEMI JOIN _changed USING (source, ticket_id)")  # fmt: skip
    return changed


def _rename_tables(sql: str, mapping: dict[str, str]) -> str:
    """``sql`` reading each table in ``mapping`` from its replacement, aliases kept."""
    tree = sqlglot.parse_one(sql, read=models.DIALECT)
    for table in list(tree.find_all(exp.Table)):
        if table.name in mapping and not table.args.get("db"):
            alias = table.alias or table.name
            table.set("this", exp.to_identifier(mapping[table.name]))
            table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return tree.sql(dialect=models.DIALECT)


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
