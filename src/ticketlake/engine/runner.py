"""The model runner: runs SQL models into a warehouse file, incrementally where it can.

A model whose header says ``-- grain: ticket`` is refreshed for the tickets that batches
committed since it was last built touched: their rows are deleted and recomputed from the
model's SQL with its per-ticket inputs narrowed to those tickets. A model whose header says
``-- grain: day`` (or ``week``) is refreshed for the days its inputs' changes touched
(engine/days.py), when every input that changed is one its ``-- days:`` lines place on days
and changed in this run; a day model without such lines (the calendar) is recomputed and
compared with what it was. Any other model is recomputed when something it reads changed,
and kept otherwise. A model is recomputed in full when its SQL, the settings (``cfg_*``
tables) or the lake's history changed, or when a model it reads was recomputed in full.
``_models`` records, per model, what it was built from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

import duckdb
import sqlglot
from sqlglot import exp

from ticketlake.common.duck import scalar, table_exists
from ticketlake.common.sqltext import lit
from ticketlake.config import Settings
from ticketlake.config.defaults import DUCKDB_BUILD_SHARE
from ticketlake.engine import days, inputs, models, stages
from ticketlake.errors import OutOfMemoryError
from ticketlake.lake import Lake
from ticketlake.lake.lake import create_views, scan_sql
from ticketlake.lake.manifest import Manifest

STATE = "_models"  # one row per model: what it was built from, and how
_UNITS = {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}  # DuckDB's size units


@dataclass(frozen=True)
class _State:
    """One row of ``_models``. Generations number the runs: ``changed`` is the last run that
    changed the model's rows, ``full`` the last that rebuilt it, ``done`` the last that
    brought it up to date. A model is stale when an input changed after its ``done``."""

    digest: str
    settings: str
    lake_version: int
    lake_digest: str
    changed: int
    full: int
    done: int


_COLUMNS = ("model VARCHAR PRIMARY KEY, digest VARCHAR, settings VARCHAR, lake_version BIGINT, "
            "lake_digest VARCHAR, changed_gen BIGINT, full_gen BIGINT, done_gen BIGINT, "
            "mode VARCHAR, rows_changed BIGINT, built_at TIMESTAMP")  # fmt: skip


@dataclass
class Runner:
    """Runs models inside ``con`` against one lake manifest and one set of settings."""

    con: duckdb.DuckDBPyConnection
    lake: Lake
    manifest: Manifest
    settings: Settings
    state: dict[str, _State] = field(default_factory=dict)
    generation: int = 0  # this run's number
    digest: str = ""  # fingerprint of the settings tables
    before: dict[str, _State] = field(default_factory=dict)  # the state the run started from
    todo: list[str] = field(default_factory=list)  # the models this run brings up to date
    touched: dict[str, set[days.Key]] = field(default_factory=dict)  # keys a day model redid
    kept: set[str] = field(default_factory=set)  # per-ticket models with old and new rows kept
    reads: dict[str, dict[str, set[str]] | None] = field(default_factory=dict)  # columns read
    commit_each: bool = False  # commit each model with its _models row as soon as it is built

    def run(self, catalog: dict[str, models.Model], todo: list[models.Model],
            on_model: Callable[[str], None] | None = None) -> dict[str, str]:  # fmt: skip
        """Run ``todo`` in order; return each model's mode: ``full``, ``incremental`` (some
        tickets or days refreshed) or ``unchanged`` (nothing it reads changed).

        With ``commit_each`` the transaction ``con`` is in is committed after each model (and
        a new one begun), so that DuckDB holds one model's uncommitted rows, not the whole
        build's: those of earlier models are then on disk and can leave memory."""
        self._prepare(catalog)
        self.todo = [model.name for model in todo]
        modes = {}
        for model in todo:
            if on_model:
                on_model(model.name)
            try:
                modes[model.name], rows = self._model(model, self.state.get(model.name), catalog)
            except (duckdb.OutOfMemoryException, MemoryError):
                raise OutOfMemoryError.during(f"building {model.name}",
                                              self.settings.engine.memory_limit,
                                              "nothing was published",
                                              DUCKDB_BUILD_SHARE) from None  # fmt: skip
            self._record(model, modes[model.name], rows)
            if self.commit_each:
                self.con.execute("COMMIT")
                self.con.execute("BEGIN TRANSACTION")
        return modes

    def adopt(self, catalog: dict[str, models.Model], tables: dict[str, list[str]]
              ) -> dict[str, str]:  # fmt: skip
        """Load tables another engine built (Parquet files, in model order) as this build's
        models, recorded as mode ``spark`` so later builds can refresh them incrementally."""
        self._prepare(catalog)
        for name, files in tables.items():
            scan = f"read_parquet([{', '.join(lit(f) for f in files)}])"
            columns = self.con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
            select = ", ".join(_as_duckdb(column, kind) for column, kind, *_ in columns)
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {select} FROM {scan}")
            self._record(catalog[name], "spark", scalar(self.con, f"SELECT count(*) FROM {name}"))
        return dict.fromkeys(tables, "spark")

    def _prepare(self, catalog: dict[str, models.Model]) -> None:
        """State table, lake views and settings tables for this run."""
        self.con.execute("SET TimeZone = 'UTC'")
        if table_exists(self.con, STATE) and "done_gen" not in _columns(self.con, STATE):
            self.con.execute(f"DROP TABLE {STATE}")  # written by an older ticketlake
        self.con.execute(f"CREATE TABLE IF NOT EXISTS {STATE} ({_COLUMNS})")
        _drop_unknown(self.con, catalog)
        create_views(self.con, self.lake.store, self.manifest)
        self.digest = inputs.write(self.con, self.settings, inputs.event_span(self.con))
        self.state = _load_state(self.con)
        self.before = dict(self.state)
        self.generation = max((s.done for s in self.state.values()), default=0) + 1

    def _model(self, model: models.Model, old: _State | None,
               catalog: dict[str, models.Model]) -> tuple[str, int]:  # fmt: skip
        """Bring one model up to date; return its mode and the rows (or tickets) it changed."""
        if old is not None and self._current(model, old):
            if model.per_ticket:
                keep = self._kept_columns(model.name, catalog)
                rows = _refresh(
                    self.con, self.lake, self.manifest, model, old.lake_version, catalog, keep
                )
                if rows and keep:
                    self.kept.add(model.name)
                return ("incremental" if rows else "unchanged"), rows
            if not self._inputs_changed(model, old):
                return "unchanged", 0
            by_day = self._by_day(model, old, catalog) if model.per_day else None
            if by_day is not None:
                return by_day
        self._full(model, catalog)
        return "full", scalar(self.con, f"SELECT count(*) FROM {model.name}")

    def _full(self, model: models.Model, catalog: dict[str, models.Model]) -> None:
        """Recompute the model from all its input rows: a per-ticket model whose inputs are
        large in parts, each for the tickets of one hash bucket, so that each part's sorts,
        windows and aggregates fit in memory (the rows are those of one whole run)."""
        parts = _parts(self.con, model, catalog, self.settings) if model.per_ticket else 1
        if parts == 1:
            self.con.execute(f"CREATE OR REPLACE TABLE {model.name} AS {model.sql}")
            return
        for part in range(parts):
            where = f"hash({{}}) % {parts} = {part}"
            links = _where(
                "ticket_links", f"{where.format('l.from_id')} OR {where.format('l.to_id')}"
            )
            rows = partial(_where, condition=where.format("l.ticket_id"))
            sql = _narrowed(self.con, model, catalog, "_part", rows, links)
            query = f"SELECT q.* FROM ({sql}) q WHERE hash(q.ticket_id) % {parts} = {part}"
            if part == 0:
                self.con.execute(f"CREATE OR REPLACE TABLE {model.name} AS {query}")
            else:
                self.con.execute(f"INSERT INTO {model.name} BY NAME {query}")

    def _by_day(
        self, model: models.Model, old: _State, catalog: dict[str, models.Model]
    ) -> tuple[str, int] | None:
        """Refresh a day-keyed model for the days its inputs' changes touched and return its
        mode and the rows it wrote; None when a change it cannot place on days needs a full
        run. A day model without ``-- days:`` lines (the calendar) is recomputed and compared
        with what it was."""
        if model.days:
            found = self._days_touched(model, old, catalog)
            if found is None:
                return None
            keys = days.keys(model, found)
            deleted, written = days.refresh(self.con, model, keys)
            changed = bool(deleted or written)
        else:
            keys = days.recompute(self.con, model)
            changed, written = bool(keys), days.count(self.con, model, keys)
        self.touched[model.name] = keys
        return ("incremental" if changed else "unchanged"), written

    def _days_touched(
        self, model: models.Model, old: _State, catalog: dict[str, models.Model]
    ) -> set[days.Key] | None:
        """The days the changes of the model's inputs since it was last brought up to date
        touched (None when one of them cannot say)."""
        if _lake_changed(model, self.manifest, old.lake_version):
            return None
        found: set[days.Key] = set()
        for name in sorted(model.reads & set(catalog)):
            if self._gen(name, "changed") > old.done:
                part = self._input_days(model, name, old, catalog)
                if part is None:
                    return None
                found |= part
        return found

    def _input_days(
        self, model: models.Model, name: str, old: _State, catalog: dict[str, models.Model]
    ) -> set[days.Key] | None:
        """The days a change of input ``name`` in this run touched: the days a day-keyed
        input refreshed, or those where a per-ticket input's changed rows differ. None when
        the header does not place the input on days, when it also changed in a run that did
        not build this model, or when a value of its ``-- every day:`` columns came or went."""
        spec, seen = model.days_of(name), self.before.get(name)
        if spec is None or (seen is not None and seen.changed > old.done):
            return None
        if name in self.touched:
            return self.touched[name]
        read = self._reads(model)
        if read is None or name not in self.kept:
            return None
        if spec.every and days.appeared_or_vanished(self.con, name, spec.every):
            return None
        return days.touched(self.con, spec, read[name], catalog.get(models.CALENDAR))

    def _kept_columns(self, name: str, catalog: dict[str, models.Model]) -> set[str]:
        """The columns of per-ticket model ``name`` this run's day models compare before and
        after its refresh (none when no day model places it on days)."""
        needed: set[str] = set()
        for other in self.todo:
            spec = catalog[other].days_of(name)
            read = self._reads(catalog[other]) if spec else None
            if spec and read is not None:
                needed |= read[name] | set(spec.columns)
        return needed

    def _reads(self, model: models.Model) -> dict[str, set[str]] | None:
        """The columns ``model`` reads from each table (None before its inputs exist)."""
        if model.name not in self.reads:
            try:
                self.reads[model.name] = days.columns_read(self.con, model)
            except sqlglot.errors.SqlglotError:
                self.reads[model.name] = None
        return self.reads[model.name]

    def _current(self, model: models.Model, old: _State) -> bool:
        """Whether the model's table was built by the same SQL and settings from the same lake
        history, and no model it reads has been rebuilt from scratch since."""
        return (
            old.digest == model.digest
            and old.settings == self.digest
            and old.lake_version <= self.manifest.version
            and old.lake_digest == self.manifest.digest(old.lake_version)
            and all(self._gen(name, "full") <= old.done for name in model.reads)
            and table_exists(self.con, model.name)
        )

    def _inputs_changed(self, model: models.Model, old: _State) -> bool:
        """Whether anything ``model`` reads changed since it was last brought up to date."""
        return _lake_changed(model, self.manifest, old.lake_version) or any(
            self._gen(name, "changed") > old.done for name in model.reads
        )

    def _gen(self, name: str, which: str) -> int:
        """A generation of another model (0 for lake and settings tables)."""
        state = self.state.get(name)
        return 0 if state is None else int(getattr(state, which))

    def _record(self, model: models.Model, mode: str, rows: int) -> None:
        """Remember what the model was built from, in memory and in ``_models``."""
        old = self.state.get(model.name)
        changed = self.generation if mode != "unchanged" else (old.changed if old else 0)
        full = self.generation if mode == "full" else (old.full if old else 0)
        new = _State(model.digest, self.digest, self.manifest.version,
                     self.manifest.digest(self.manifest.version), changed, full, self.generation)  # fmt: skip
        self.state[model.name] = new
        self.con.execute(f"INSERT OR REPLACE INTO {STATE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [model.name, new.digest, new.settings, new.lake_version, new.lake_digest,
                          new.changed, new.full, new.done, mode, rows,
                          datetime.now(UTC).replace(tzinfo=None)])  # fmt: skip


def _as_duckdb(column: str, kind: str) -> str:
    """A column of a Parquet table written by Spark, typed as the DuckDB build would type it:
    instants as naive UTC timestamps, fixed-point numbers as doubles."""
    name = f'"{column}"'
    if kind.startswith("TIMESTAMP WITH TIME ZONE"):
        return f"timezone('UTC', {name}) AS {name}"
    if kind.startswith("DECIMAL"):
        return f"CAST({name} AS DOUBLE) AS {name}"
    return name


def _load_state(con: duckdb.DuckDBPyConnection) -> dict[str, _State]:
    rows = con.execute(
        f"SELECT model, digest, settings, lake_version, lake_digest, changed_gen, full_gen, "
        f"done_gen FROM {STATE}"
    ).fetchall()
    return {r[0]: _State(*r[1:]) for r in rows}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]
    ).fetchall()
    return {r[0] for r in rows}


def _lake_changed(model: models.Model, manifest: Manifest, since: int) -> bool:
    """Whether a lake table ``model`` reads has had files (or the ledger batches) since."""
    tables = {f.table for f in manifest.since(since).files}
    new_batches = any(b.seq > since for b in manifest.batches)
    return bool(model.reads & tables) or ("ledger" in model.reads and new_batches)


def _drop_unknown(con: duckdb.DuckDBPyConnection, catalog: dict[str, models.Model]) -> None:
    """Drop tables of models that no longer exist, so a copied snapshot holds no leftovers."""
    keep = set(catalog) | models.INPUT_TABLES | stages.TABLES | {STATE, "_build"}
    for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary"
    ).fetchall():
        if name not in keep:
            con.execute(f"DROP TABLE {name}")
            con.execute(f"DELETE FROM {STATE} WHERE model = ?", [name])


def _refresh(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    manifest: Manifest,
    model: models.Model,
    since: int,
    catalog: dict[str, models.Model],
    keep: set[str],
) -> int:
    """Recompute ``model``'s rows for the tickets touched by batches after ``since``; the
    ``keep`` columns of their rows stay, as they were and as they are, for the day models."""
    new = manifest.since(since)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _changed AS
        SELECT DISTINCT source, ticket_id FROM ({scan_sql(lake.store, new, "ticket_events")})
        UNION SELECT source, ticket_id FROM ({scan_sql(lake.store, new, "ticket_sightings")})
        UNION SELECT source, from_id FROM ({scan_sql(lake.store, new, "ticket_links")})
        UNION SELECT source, to_id FROM ({scan_sql(lake.store, new, "ticket_links")})""")  # fmt: skip
    changed = scalar(con, "SELECT count(*) FROM _changed")
    if not changed:
        return 0
    links = """SELECT l.* FROM ticket_links l
        WHERE EXISTS (SELECT 1 FROM _changed c WHERE c.source = l.source
                                                AND c.ticket_id IN (l.from_id, l.to_id))"""
    sql = _narrowed(con, model, catalog, "_delta",
                    lambda name: f"SELECT t.* FROM {name} t SEMI JOIN _changed USING (source, ticket_id)",
                    links)  # fmt: skip
    if keep:
        days.keep(con, model.name, sorted(keep), days.OLD)
    con.execute(f"DELETE FROM {model.name} t USING _changed c "
                "WHERE t.source = c.source AND t.ticket_id = c.ticket_id")  # fmt: skip
    con.execute(f"INSERT INTO {model.name} BY NAME SELECT q.* FROM ({sql}) q "
                "SEMI JOIN _changed USING (source, ticket_id)")  # fmt: skip
    if keep:
        days.keep(con, model.name, sorted(keep), days.NEW)
    return changed


def _parts(
    con: duckdb.DuckDBPyConnection,
    model: models.Model,
    catalog: dict[str, models.Model],
    settings: Settings,
) -> int:
    """How many ticket-hash parts a full run of per-ticket ``model`` takes: enough that each
    part reads at most engine.part_rows rows per MB of DuckDB's memory from its largest
    per-ticket input (1 when everything fits at once)."""
    limit = settings.engine.part_rows_for(_memory_bytes(con))
    inputs = sorted(_per_ticket(catalog) & model.reads)
    if limit is None or not inputs:
        return 1
    largest = max(scalar(con, f"SELECT count(*) FROM {name}") for name in inputs)
    return max(1, -(-largest // limit))


def _memory_bytes(con: duckdb.DuckDBPyConnection) -> int:
    """DuckDB's memory limit on ``con`` in bytes (it reports it as, e.g., ``667.5 MiB``)."""
    return _memory_bytes_text(
        con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    )


def _memory_bytes_text(text: str) -> int:
    """Bytes of a size as DuckDB writes it (``667.5 MiB``, ``2.0 GiB``, ``512 bytes``)."""
    number, unit = str(text).split()
    return int(float(number) * _UNITS.get(unit, 1))


def _per_ticket(catalog: dict[str, models.Model]) -> set[str]:
    """The tables whose rows each belong to one ticket: per-ticket models and lake tables."""
    names = {name for name, m in catalog.items() if m.per_ticket}
    return names | {"ticket_events", "ticket_sightings"}


def _narrowed(
    con: duckdb.DuckDBPyConnection,
    model: models.Model,
    catalog: dict[str, models.Model],
    prefix: str,
    rows: Callable[[str], str],
    links: str,
) -> str:
    """``model``'s SQL reading each per-ticket input through a view ``<prefix>_<input>`` of
    the rows ``rows(input)`` selects, and ticket links through one of ``links``; the caller
    keeps the result rows of the tickets it narrowed to (an incremental refresh, or one part
    of a full run)."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW {prefix}_ticket_links AS {links}")
    mapping = {"ticket_links": f"{prefix}_ticket_links"}
    for name in sorted(_per_ticket(catalog) & model.reads):
        con.execute(f"CREATE OR REPLACE TEMP VIEW {prefix}_{name} AS {rows(name)}")
        mapping[name] = f"{prefix}_{name}"
    return _rename_tables(model.sql, mapping)


def _where(table: str, condition: str) -> str:
    """The rows of ``table`` (alias ``l``) that pass ``condition``."""
    return f"SELECT l.* FROM {table} l WHERE {condition}"


def _rename_tables(sql: str, mapping: dict[str, str]) -> str:
    """``sql`` reading each table in ``mapping`` from its replacement, aliases kept."""
    tree = sqlglot.parse_one(sql, read=models.DIALECT)
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    for table in list(tree.find_all(exp.Table)):
        if table.name in mapping and table.name not in ctes and not table.args.get("db"):
            alias = table.alias or table.name
            table.set("this", exp.to_identifier(mapping[table.name]))
            table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return tree.sql(dialect=models.DIALECT)
