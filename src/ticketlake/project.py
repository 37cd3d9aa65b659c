"""A ticketlake project: a folder with ``ticketlake.yml``, its lake, warehouse and logs."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ticketlake import config, kpis, logs, online, synth
from ticketlake import report as reporting
from ticketlake.analysis import Analysis
from ticketlake.datasets import offline
from ticketlake.engine import export, health, models
from ticketlake.engine.export import Exported
from ticketlake.engine.reader import Limits, Result, catalog_query
from ticketlake.engine.warehouse import Build, Snapshot, Warehouse
from ticketlake.errors import UsageError
from ticketlake.ingest import report, summary
from ticketlake.ingest.mapping import load_mapping_file
from ticketlake.ingest.pipeline import Ingestor, OnFile, Outcome, Progress
from ticketlake.ingest.reprocess import Reprocessed, reprocess
from ticketlake.ingest.retry import retry
from ticketlake.ingest.targets import Request
from ticketlake.lake import Batch, Lake, Verification
from ticketlake.lake import sources as lake_sources
from ticketlake.lake.sources import Source as LakeSource
from ticketlake.report import ReportResult
from ticketlake.sources.suggest import suggest_yaml
from ticketlake.synth.shapes import Layout

log = logs.get("project")


@dataclass(frozen=True)
class Run:
    """What ``ticketlake run`` did: each source's ingest, then the build."""

    outcomes: dict[str, Outcome]
    build: Build

    @property
    def failed(self) -> list[Batch]:
        """The batches that failed, across every source."""
        return [b for outcome in self.outcomes.values() for b in outcome.failed]


class Project:
    """Entry point of the library; the CLI builds one and calls its methods."""

    def __init__(self, root: Path | str = ".", overrides: Sequence[str] = ()) -> None:
        self.root = Path(root).resolve()
        self.overrides = tuple(overrides)

    @cached_property
    def settings(self) -> config.Settings:
        """The validated configuration, with ``--set`` overrides applied."""
        return config.load_settings(self.root, self.overrides)

    @property
    def is_initialised(self) -> bool:
        """Whether the folder holds a ``ticketlake.yml``."""
        return (self.root / config.CONFIG_FILE).is_file()

    @property
    def logs_dir(self) -> Path:
        """Where the JSON log file lives."""
        return self.settings.logs_path(self.root)

    def init(self, force: bool = False) -> Path:
        """Write a commented default ``ticketlake.yml`` into the project folder."""
        path = config.write_default_config(self.root, force=force)
        log.info("wrote default configuration", extra={"path": str(path)})
        return path

    def generate(
        self,
        shape: str,
        out: Path,
        tickets: int = 10_000,
        days: int = 90,
        start: date = date(2024, 1, 1),
        seed: int = 42,
        layout: Layout | None = None,
        dirty: float = 0.0,
        personal: float = 0.0,
        rising: int | None = None,
    ) -> synth.Generated:
        """Write synthetic exports of ``shape`` into ``out``; ``personal`` plants personal
        data in that share of tickets' text (docs/text.md), ``rising`` a theme that appears
        from that day index on (docs/generator.md)."""
        options = synth.Options(
            tickets=tickets, days=days, start=start, seed=seed, personal=personal, rising=rising
        )
        result = synth.write_shape(shape, out, options, layout, dirty)
        log.info("generated %s rows in %d files", result.rows, len(result.files),
                 extra={"shape": shape, "out": str(out), "tickets": tickets, "seed": seed})  # fmt: skip
        return result

    # ------------------------------------------------------------ lake

    @cached_property
    def lake(self) -> Lake:
        """The project's Parquet lake."""
        return Lake(self.settings.lake_uri(self.root), self.root / ".ticketlake")

    def ingest(
        self,
        paths: Sequence[Path | str] = (),
        format: str = "auto",
        mapping: Path | None = None,
        source: str | None = None,
        progress: Progress | None = None,
        lock_timeout: float = 600.0,
        on_wait: Callable[[str], None] | None = None,
        rehash: bool = False,
        on_file: OnFile | None = None,
    ) -> Outcome:
        """Ingest files or folders (or a configured source) into the lake; see docs/sources.md.
        A file whose path, size and modification time match a committed batch is skipped
        unread unless ``rehash``. ``on_file(number, total, name)`` is told each file in turn,
        ``progress(name, rows, size)`` the rows read from it."""
        self._require_project()
        fields = load_mapping_file(mapping) if mapping else {}
        request = Request([Path(p) for p in paths], format, fields, source)
        ingestor = Ingestor(self.lake, self.settings, self.root, progress, lock_timeout, on_wait,
                            rehash, on_file)  # fmt: skip
        outcome = ingestor.ingest(request)
        for b in outcome.batches:
            log.info("batch %s %s: %s", b.batch_id, b.status, b.path,
                     extra={"batch": b.model_dump(mode="json", exclude={"settings"})})  # fmt: skip
        return outcome

    def retry_quarantine(
        self,
        batches: Sequence[str] = (),
        mapping: Path | None = None,
        lock_timeout: float = 600.0,
    ) -> list[Batch]:
        """Re-validate open quarantined rows with today's mapping; load those that now pass."""
        self._require_project()
        fields = load_mapping_file(mapping) if mapping else {}
        ingestor = Ingestor(self.lake, self.settings, self.root, lock_timeout=lock_timeout)
        return retry(ingestor, list(batches), fields)

    def reprocess(self, source: str | None = None, mapping: Path | None = None,
                  lock_timeout: float = 600.0) -> list[Reprocessed]:  # fmt: skip
        """Derive ``source``'s rows (every source's when None) again from their bronze copies
        with today's mapping and settings, superseding the old batches in one commit."""
        self._require_project()
        fields = load_mapping_file(mapping) if mapping else {}
        ingestor = Ingestor(self.lake, self.settings, self.root, lock_timeout=lock_timeout)
        return reprocess(ingestor, source, fields)

    def sources(self) -> list[LakeSource]:
        """The lake's sources: name, formats, files, rows, last batch, live or dropped."""
        self._require_project()
        return lake_sources.summary(self.lake.manifest())

    def rename_source(self, old: str, new: str, lock_timeout: float = 600.0) -> None:
        """Rename source ``old`` to ``new`` in the lake, in one commit."""
        self._require_project()
        configured = [s.name for s in self.settings.sources]
        op = lambda w, con: lake_sources.rename(w, con, old, new, configured)  # noqa: E731
        lake_sources.change(self.lake, {old, new}, op, lock_timeout)

    def drop_source(self, name: str, lock_timeout: float = 600.0) -> None:
        """Drop source ``name`` in one commit; ``restore_source`` undoes it until the next build."""
        self._require_project()
        op = lambda w, _con: lake_sources.drop(w, name)  # noqa: E731
        lake_sources.change(self.lake, {name}, op, lock_timeout)

    def restore_source(self, name: str, lock_timeout: float = 600.0) -> None:
        """Undo ``drop_source(name)``, in one commit, if no build has run since."""
        self._require_project()
        op = lambda w, _con: lake_sources.restore(w, name)  # noqa: E731
        lake_sources.change(self.lake, {name}, op, lock_timeout)

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only view of the lake's latest committed state (never waits for writers)."""
        self._require_project()
        con = self.lake.connect({"tickets": models.load()["tickets"].sql})
        try:
            yield con
        finally:
            con.close()

    def verify(self, on_file: Callable[[int, int], None] | None = None) -> Verification:
        """Re-check every file of the lake against the manifest: size and SHA-256 of its
        bytes and the rows in its Parquet footer; files no manifest names are listed as
        orphans (and kept). ``on_file(done, total)`` reports progress."""
        self._require_project()
        return self.lake.verify(on_file)

    def status(self) -> dict[str, Any]:
        """The ingestion ledger and its totals."""
        with self.read() as con:
            return report.status(con)

    def ledger_summary(self, build: Snapshot | None = None) -> list[dict[str, Any]]:
        """Per source: files, rows in, loaded, quarantined, the last batch and warnings (the
        ledger's and mapping health's, judged with ``build`` when given)."""
        found = health.by_source(self.health(build=build))
        with self.read() as con:
            return summary.sources(con, found)

    def quarantine(
        self, batch: str | None = None, include_released: bool = False
    ) -> list[dict[str, Any]]:
        """Rows kept out of the lake, with file, line, column, error class and reason."""
        with self.read() as con:
            return report.quarantine(con, batch, include_released)

    def health(self, source: str | None = None, build: Snapshot | None = None) -> health.Health:
        """Mapping health per source (or of ``source``), judged against the ``check``
        settings: unknown and missing values, unmapped raw values, and, from the last build
        (or ``build``, an open reader's), resolutions derived by rule; see
        docs/sources.md#mapping-health."""
        current = build.build if build is not None else self.warehouse.current()
        built = current is not None and "fact_ticket" in current.tables
        sla = built and current is not None and "fact_sla" in current.tables
        run = self.warehouse.arrow if build is None else partial(catalog_query, build.con)
        with self.read() as con:
            found = health.measure(con, self.settings, source, run if built else None, sla)
        if source is not None and not found.sources and not found.unloaded:
            raise UsageError(f"--source {source}: no events of that source in the lake")
        return found

    def suggest_mapping(self, file: Path | str, format: str = "auto") -> str:
        """A ``sources:`` entry, statuses and priority aliases for the export ``file``, as
        YAML to review (``ticketlake map suggest``); its path is relative to the project
        when the file lies inside it."""
        path = Path(os.path.abspath(file))
        shown = path.relative_to(self.root) if path.is_relative_to(self.root) else path
        return suggest_yaml(path, format, str(shown), self.settings.engine.duckdb_config())

    # ------------------------------------------------------------ warehouse

    @cached_property
    def warehouse(self) -> Warehouse:
        """The DuckDB warehouse the models are built into."""
        return Warehouse(self.settings.warehouse_path(self.root), self.settings)

    def build(
        self,
        select: str | None = None,
        full: bool = False,
        on_model: Callable[[str], None] | None = None,
        refit: bool = False,
    ) -> Build:
        """Refresh the SQL models into a new warehouse snapshot and publish it: incrementally
        for the tickets new batches touched, or everything with ``full``; ``refit`` fits the
        themes of ticket text afresh (docs/text.md)."""
        self._require_project()
        built = self.warehouse.build(self.lake, select, full, on_model, refit)
        lake_sources.purge_after_build(self.lake, built.lake_version)  # drops are final now
        return built

    def run(self, progress: Progress | None = None, lock_timeout: float = 600.0,
            on_file: OnFile | None = None) -> Run:  # fmt: skip
        """Ingest every configured source, then refresh the warehouse (the first two steps
        of the daily job, ticketlake/jobs.py)."""
        outcomes = self.ingest_sources(progress, lock_timeout, on_file)
        return Run(outcomes, self.build())

    def ingest_sources(
        self,
        progress: Progress | None = None,
        lock_timeout: float = 600.0,
        on_file: OnFile | None = None,
    ) -> dict[str, Outcome]:
        """Ingest every configured source in turn; a failed batch does not stop the others."""
        self._require_project()
        if not self.settings.sources:
            raise UsageError(f"no sources in {self.root / config.CONFIG_FILE}; add some first")
        ingest = partial(self.ingest, progress=progress, lock_timeout=lock_timeout, on_file=on_file)
        return {s.name: ingest(source=s.name) for s in self.settings.sources}

    def query(self, sql: str, capped: bool = False) -> Result:
        """Run one SELECT on the current warehouse snapshot, in the sandbox that reads only
        the warehouse (engine/reader.py): ``names, rows = project.query(sql)``. ``capped``
        applies the ``query`` settings, as ``ticketlake query`` does for SQL a person typed:
        at most ``query.max_rows`` rows (``.cut`` says whether there were more) and
        ``query.timeout_seconds`` of running."""
        self._require_project()
        return self.warehouse.query(sql, Limits.of(self.settings.query) if capped else None)

    def kpi(
        self,
        name: str,
        by: Sequence[str] | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        **filters: str,
    ) -> pa.Table:
        """One KPI as an Arrow table, e.g. ``kpi("backlog", by=["week", "priority"],
        source="helpdesk")``; keyword filters keep rows whose dimension equals the value."""
        with self.analysis() as reads:
            return reads.kpi(name, by, date_from, date_to, filters)

    def kpi_notes(
        self,
        name: str,
        by: Sequence[str] | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        **filters: str,
    ) -> list[str]:
        """What a reader of the same :meth:`kpi` call must know to read it right: sliced by
        label, a ticket counts once per label, and how many tickets that repeats."""
        if by is None or kpis.LABEL not in by:
            return []
        with self.analysis() as reads:
            return reads.kpi_notes(name, by, date_from, date_to, filters)

    def lifecycle(self, source: str | None = None, by: str | None = None,
                  bins: bool = True) -> dict[str, pa.Table]:  # fmt: skip
        """Lifecycle figures per source (and per ``by``: priority, customer or group) and, with
        ``bins``, the lifetime, update-interval and lag histograms with their density curves;
        ``source`` keeps one source."""
        with self.analysis() as reads:
            return reads.lifecycle({"source": source} if source else {}, by, bins)

    def flow(self, source: str | None = None, top: int = 10) -> dict[str, pa.Table]:
        """Process-flow summary per source, time in status, the busiest transitions and the
        most common variants (``top`` of each per source)."""
        with self.analysis() as reads:
            return reads.flow({"source": source} if source else {}, top)

    def sla(self, policy: str | None = None, at_risk: bool = False) -> pa.Table:
        """SLA attainment per policy and metric (``sla_attainment``), or with ``at_risk`` the
        at-risk queue (``kpi_sla_at_risk``), breached first, then by business time left;
        ``policy`` keeps one policy (a name the settings do not have is an error)."""
        with self.analysis() as reads:
            return reads.sla(policy, at_risk)

    def themes(self, source: str | None = None, rising: bool = False) -> pa.Table:
        """Per theme of ticket text its tickets and outcomes, across sources or of ``source``;
        with ``rising``, the weeks themes rose in (docs/text.md)."""
        return self.themes_and_unknowns(source, rising)[0]

    def themes_and_unknowns(self, source: str | None = None, rising: bool = False
                            ) -> tuple[pa.Table, dict[str, int]]:  # fmt: skip
        """:meth:`themes` and, of one build with them, the tickets left without a theme or a
        language."""
        with self.analysis() as reads:
            return reads.themes(source, rising), reads.text_unknowns()

    def dataset(self, as_of: date | None = None, out: Path | str | None = None) -> offline.Dataset:
        """Write the offline training set (docs/datasets.md) of the current build into ``out``
        (default ``dataset.path``): one row per ticket open at a local day's end, with the
        features known then and the labels after it up to ``as_of`` (default: each source's
        latest event), split by time into train, validation and test, with its manifest."""
        self._require_project()
        folder = Path(out) if out is not None else self.root / self.settings.dataset.path
        with self.warehouse.reading() as snapshot:
            return offline.build(snapshot.con, self.settings, folder.absolute(), as_of,
                                 snapshot.build.build_id)  # fmt: skip

    @contextmanager
    def analysis(self) -> Iterator[Analysis]:
        """KPIs, lifecycle, flow and SLA reads (ticketlake/analysis.py) on one connection to
        the current build, held for the block: every part of an answer is of one build."""
        self._require_project()
        with self.warehouse.reading() as snapshot:
            yield Analysis(snapshot.con, self.settings)

    def tables(self) -> list[tuple[str, int]]:
        """The warehouse's tables with their row counts."""
        self._require_project()
        return self.warehouse.tables()

    def export(self, out_dir: Path | str, fmt: str = "csv") -> list[Exported]:
        """Write every mart and KPI table to ``out_dir`` as CSV or Parquet files."""
        self._require_project()
        if fmt not in export.FORMATS:
            raise UsageError(
                f"unknown export format {fmt!r}; choose one of {', '.join(export.FORMATS)}"
            )
        out = Path(os.path.abspath(out_dir))
        with self.warehouse.reading(write_to=out) as snapshot:
            return export.export(snapshot.con, out, fmt)

    def report(
        self,
        out_dir: Path | str | None = None,
        start: date | None = None,
        end: date | None = None,
        progress: reporting.Progress | None = None,
    ) -> ReportResult:
        """Write the HTML report and its charts as PNGs into ``out_dir`` (default
        ``report/`` in the project) for ``start`` to ``end``, by default the last 28 days
        with data; see docs/report.md. Needs ``pip install 'ticketlake[report]'``."""
        self._require_project()
        reporting.require()
        out = Path(out_dir) if out_dir is not None else self.root / "report"
        warnings = health.warnings(self.health())
        with self.warehouse.reading() as snapshot:
            done = reporting.write(snapshot.con, out, self.root.name, start, end, progress,
                                   warnings)  # fmt: skip
        log.info("wrote report %s", done.html, extra={"charts": len(done.drawn),
                 "left_out": len(done.omitted), "period": done.period.label()})  # fmt: skip
        return done

    # ------------------------------------------------------------ online slice

    def online_push(self) -> online.Pushed:
        """Write each source's ``online.per_source`` most recently updated open tickets of
        the current build to Redis as a new generation and make it current in one atomic
        step (docs/online.md). Needs ``pip install 'ticketlake[online]'``."""
        self._require_project()
        settings = self.settings.online
        with online.opened(settings) as client:
            with self.warehouse.reading() as snapshot:
                rows = online.rows(snapshot.con, settings.per_source)
                build_id = snapshot.build.build_id
            pushed = online.push(client, rows, settings, build_id)
        log.info(
            "pushed the online slice",
            extra={
                "generation": pushed.generation,
                "tickets": pushed.tickets,
                "round_trips": pushed.round_trips,
            },
        )
        return pushed

    def online_get(self, ticket_id: str, source: str | None = None) -> list[dict[str, Any]]:
        """The ticket ``ticket_id`` as the online slice holds it, one value per source that
        has it (or of ``source``); empty when the slice does not hold it."""
        with online.opened(self.settings.online) as client:
            return online.get(client, self.settings.online, ticket_id, source)

    def online_top(
        self,
        group: str | None = None,
        priority: str | None = None,
        source: str | None = None,
        limit: int = 20,
    ) -> list[dict[str, Any]]:
        """The ``limit`` most recently updated tickets of the online slice, of ``group``
        and ``priority`` when given, across sources unless ``source``."""
        with online.opened(self.settings.online) as client:
            return online.top(client, self.settings.online, group, priority, source, limit)

    def require(self) -> None:
        """Fail with one line unless the folder is a ticketlake project."""
        self._require_project()

    def _require_project(self) -> None:
        if not self.is_initialised:
            raise UsageError(
                f"{self.root} is not a ticketlake project; run `ticketlake init` first"
            )
