"""The typed settings: one pydantic model per section of ``ticketlake.yml``."""

from __future__ import annotations

import itertools
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlparse

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ticketlake.config.calendars import ALWAYS, Calendar, always, check_names
from ticketlake.config.checks import (
    casefold_lookup,
    check_date_format,
    check_location,
    check_timezone,
    check_zone_name,
    string_keys,
)
from ticketlake.config.defaults import (
    DEFAULT_ALIASES,
    DEFAULT_NULL_MARKERS,
    DEFAULT_STATUSES,
    DUCKDB_SHARE,
    IDENTIFIER,
    MEMORY,
    MEMORY_PARTS,
    PART_ROWS_PER_MB,
    SCHEME,
    Encoding,
    StatusCategory,
)
from ticketlake.config.job import Job
from ticketlake.config.sla import DEFAULT, Clock, Match, Policy, PriorityRule, check_policies
from ticketlake.sources import FIELDS, FORMATS


class _Section(BaseModel):
    """Base of every settings model: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Paths(_Section):
    """Where ticketlake keeps its data, relative to the project directory unless absolute."""

    lake: str = Field(
        "lake", description="Parquet lake: a path, file:// URI or s3://bucket/prefix."
    )
    warehouse: str = Field(
        "warehouse/ticketlake.duckdb", description="DuckDB warehouse file (a local path)."
    )
    logs: str = Field("logs", description="Directory for run logs (a local path).")

    @field_validator("lake")
    @classmethod
    def _lake(cls, value: str) -> str:
        return check_location(value, ("file", "s3"))

    @field_validator("warehouse", "logs")
    @classmethod
    def _local(cls, value: str) -> str:
        return check_location(value, ())


class Engine(_Section):
    """Which engine builds the warehouse, and the resources DuckDB may use."""

    name: Literal["duckdb", "spark"] = Field(
        "duckdb", description="Engine that runs the SQL models: duckdb, or spark (docs/spark.md)."
    )
    memory_limit: str = Field(
        "2GB", description="Memory budget of a ticketlake process, e.g. 2GB, 512MB or 75%."
    )
    threads: int = Field(2, ge=1, description="Number of DuckDB worker threads.")
    part_rows: int = Field(
        PART_ROWS_PER_MB,
        ge=0,
        description="Input rows per MB of DuckDB's memory in one part of a per-ticket model's "
        "full build; larger inputs are built in ticket-hash parts (0: always in one).",
    )

    def duckdb_config(
        self, share: float = DUCKDB_SHARE
    ) -> dict[str, str | bool | int | float | list[str]]:
        """DuckDB's connection settings. DuckDB gets ``share`` of ``memory_limit`` as its own
        limit (ingest 60%, builds 50%, queries 70%: config/defaults.py): the process also holds
        Python objects, Arrow buffers and allocations DuckDB does not count, and the whole
        process must stay within the budget."""
        number, unit = MEMORY_PARTS.match(self.memory_limit).groups()  # type: ignore[union-attr]
        limit = f"{float(number) * share:.6g}{unit}"
        return {"memory_limit": limit, "threads": self.threads}

    def part_rows_for(self, duckdb_bytes: int) -> int | None:
        """The most input rows one part of a per-ticket model may read when DuckDB may use
        ``duckdb_bytes`` (None: never in parts)."""
        return self.part_rows * max(1, duckdb_bytes // 2**20) if self.part_rows else None

    @field_validator("memory_limit")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not MEMORY.match(value.strip()):
            raise ValueError("expected a size like '2GB' or '512MB', or a percentage like '75%'")
        if value.strip().endswith("%") and not 0 < float(value.strip()[:-1]) <= 100:
            raise ValueError("a percentage must be above 0% and at most 100%")
        return value.strip()


class Spark(_Section):
    """Where Spark runs when ``engine.name`` is ``spark`` (docs/spark.md)."""

    master: str = Field("local[2]", description="Spark master URL, e.g. local[2] or yarn.")
    conf: dict[str, str] = Field(
        default_factory=dict, description="Extra Spark settings, e.g. spark.executor.memory: 4g."
    )

    @field_validator("conf", mode="before")
    @classmethod
    def _conf(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
        return value


# The ticket fields mapping health measures (engine/health.py, `check.max_unknown_share`).
HealthField = Literal["status", "priority", "group", "created", "resolution"]


class SourceConfig(_Section):
    """One input to ingest: where the files are and how to read them."""

    name: str = Field(description="Unique source name: lowercase letters, digits and _.")
    format: str = Field(
        "auto", description="Input shape: auto (detect it) or a format from docs/sources.md."
    )
    path: str = Field(description="File, glob or folder (path, file:// or s3:// URI) to read.")
    mapping: dict[str, str] = Field(
        default_factory=dict,
        description="Canonical field name -> source column name or dotted JSON path.",
    )
    timezone: str | None = Field(
        None,
        description="Time zone of naive timestamps and of the source's local days; null uses "
        "the project timezone.",
    )
    date_format: str | None = Field(
        None, description="strftime pattern of the dates, e.g. '%d/%m/%Y %H:%M'; null guesses."
    )
    null_markers: list[str] = Field(
        default_factory=lambda: list(DEFAULT_NULL_MARKERS),
        description="Cell values that mean 'no value'.",
    )
    encoding: Encoding = Field("auto", description="Text encoding of the files; auto detects it.")
    zone_names: dict[str, str] = Field(
        default_factory=dict,
        description="Time-zone names in its timestamps -> a UTC offset or IANA zone, e.g. CET: '+01:00'.",
    )
    not_exported: list[HealthField] = Field(
        default_factory=list,
        description="Fields the export does not carry (GitHub issues have no priority): "
        "`check` still counts them but does not fail on them.",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not IDENTIFIER.match(value):
            raise ValueError(
                f"invalid source name '{value}' (start with a-z; use only a-z, 0-9 and _)"
            )
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        return check_location(value, ("file", "s3"))

    @field_validator("mapping", mode="before")
    @classmethod
    def _mapping_keys(cls, value: Any) -> Any:
        return string_keys(value)

    @field_validator("mapping")
    @classmethod
    def _mapping(cls, value: dict[str, str]) -> dict[str, str]:
        for field, column in value.items():
            if field not in FIELDS:
                raise ValueError(f"'{field}' is not a canonical field (see docs/sources.md)")
            if not column.strip():
                raise ValueError(f"the column for '{field}' is empty")
        return value

    @field_validator("format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value != "auto" and value not in FORMATS:
            raise ValueError(
                f"unknown format {value!r}; choose auto or one of: {', '.join(FORMATS)}"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return check_timezone(value)

    @field_validator("zone_names", mode="before")
    @classmethod
    def _zone_keys(cls, value: Any) -> Any:
        return string_keys(value)

    @field_validator("zone_names")
    @classmethod
    def _zone_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name, meaning in value.items():
            if not name.isalpha() or not 2 <= len(name) <= 5:
                raise ValueError(f"'{name}' is not a time-zone abbreviation (2 to 5 letters)")
            check_zone_name(str(meaning))
        return {k.upper(): str(v) for k, v in value.items()}

    @field_validator("date_format")
    @classmethod
    def _date_format(cls, value: str | None) -> str | None:
        return check_date_format(value)


class Priorities(_Section):
    """Canonical priority levels and the raw values that map onto them."""

    levels: list[str] = Field(
        default_factory=lambda: ["P1", "P2", "P3", "P4"],
        description="Canonical priorities, most urgent first.",
    )
    aliases: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_ALIASES),
        description="Raw priority value (any case) -> canonical priority.",
    )
    _lookup: dict[str, str] = PrivateAttr(default_factory=dict)

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: list[str]) -> list[str]:
        if not value or any(not level.strip() for level in value):
            raise ValueError("must list at least one non-empty priority")
        folded = [level.strip().casefold() for level in value]
        if len(set(folded)) < len(folded):
            raise ValueError(f"priorities must be unique (got {value})")
        return value

    @field_validator("aliases", mode="before")
    @classmethod
    def _alias_keys(cls, value: Any) -> Any:
        return string_keys(value)

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        levels = info.data.get("levels")
        for raw, level in value.items():
            if levels is not None and level not in levels:
                raise ValueError(f"'{raw}' maps to '{level}', which is not one of levels {levels}")
        casefold_lookup(value, "alias")
        return value

    @model_validator(mode="after")
    def _build_lookup(self) -> Priorities:
        self._lookup = casefold_lookup(self.aliases, "alias")
        self._lookup.update({level.strip().casefold(): level for level in self.levels})
        return self

    def normalise(self, raw: str | None) -> str:
        """Canonical priority for ``raw`` (case-insensitive), or ``unknown``."""
        return (
            "unknown" if raw is None else self._lookup.get(str(raw).strip().casefold(), "unknown")
        )


class Target(_Section):
    """Service-level targets for one priority."""

    response_hours: float = Field(gt=0, description="Hours allowed until the first response.")
    resolution_hours: float = Field(gt=0, description="Hours allowed until resolution.")

    @model_validator(mode="after")
    def _ordered(self) -> Target:
        if self.response_hours > self.resolution_hours:
            raise ValueError(
                f"response_hours ({self.response_hours:g}) must not exceed "
                f"resolution_hours ({self.resolution_hours:g})"
            )
        return self


class Kpis(_Section):
    """Parameters of the KPI models (see docs/metrics.md)."""

    backlog_cutoff_hour: int = Field(
        24, ge=0, le=24,
        description="Hour of the local day (in each source's zone) at which its backlog is "
        "counted; 24 = midnight.",
    )  # fmt: skip
    conversion_min_interactions: int = Field(
        50, ge=1,
        description="Technicians with fewer interactions are left out of the conversion KPI.",
    )  # fmt: skip


class Ingest(_Section):
    """What ingest accepts as plausible input (see docs/sources.md, "Validation")."""

    plausible_from: date = Field(
        date(1990, 1, 1), description="Timestamps before this day are quarantined as implausible."
    )
    plausible_years_ahead: int = Field(
        5, ge=0, le=100,
        description="Timestamps more than this many years after the ingest are implausible.",
    )  # fmt: skip
    max_row_bytes: int = Field(
        16 << 20, ge=1024, le=1 << 30,
        description="Rows longer than this many bytes are quarantined, never loaded.",
    )  # fmt: skip


class Query(_Section):
    """Caps on SQL a person types (``ticketlake query``); ticketlake's own reads (KPIs, the
    report, export) are never cut."""

    max_rows: int = Field(
        10_000, ge=1, description="Rows `ticketlake query` returns at most; a note says so."
    )
    timeout_seconds: float = Field(
        60.0, gt=0, description="Seconds a `ticketlake query` may run before it is stopped."
    )


class Dataset(_Section):
    """The offline training set (``ticketlake dataset build``, docs/datasets.md)."""

    path: str = Field(
        "datasets/offline",
        description="Folder the dataset and its manifest are written to, relative to the project.",
    )
    validation_share: float = Field(
        0.15, ge=0, lt=1, description="Share of the snapshot days, after training, for validation."
    )
    test_share: float = Field(
        0.15, ge=0, lt=1, description="Share of the last snapshot days held out for the test."
    )
    reopen_window_days: float = Field(
        7.0, gt=0, description="Days after a resolution within which a reopen counts as one."
    )

    @model_validator(mode="after")
    def _shares(self) -> Dataset:
        if self.validation_share + self.test_share >= 1:
            raise ValueError("validation_share + test_share must leave days for training (< 1)")
        return self


class Text(_Section):
    """Themes and sentiment of ticket text, computed by each build (docs/text.md)."""

    enabled: bool = Field(
        False, description="Whether builds find themes and sentiment; needs ticketlake[text]."
    )
    themes: int | None = Field(
        None, ge=2, le=60, description="Number of themes; unset, the most coherent in themes_tried."
    )
    themes_tried: tuple[int, int] = Field(
        (4, 16), description="Smallest and largest number of themes the coherence criterion tries."
    )
    per_source: bool = Field(
        False, description="One topic model per source instead of one across all sources."
    )
    seed: int = Field(0, description="Seed of the topic model: same text and seed, same themes.")
    rising_min_tickets: int = Field(
        10, ge=1, description="Tickets a theme needs in a week before it can be called rising."
    )
    rising_z: float = Field(
        3.0, gt=0, description="How many standard errors (Poisson) this week must exceed the last."
    )

    @model_validator(mode="after")
    def _tried(self) -> Text:
        low, high = self.themes_tried
        if not 2 <= low <= high:
            raise ValueError("themes_tried must be two numbers 2 <= smallest <= largest")
        return self


class UnknownShares(_Section):
    """Per field, the largest share of a source's tickets whose value may be unknown or
    missing before ``ticketlake check`` fails (0 to 1)."""

    status: float = Field(0.05, ge=0, le=1, description="Latest status not mapped or absent.")
    priority: float = Field(0.05, ge=0, le=1, description="Latest priority not mapped or absent.")
    group: float = Field(1.0, ge=0, le=1, description="No event names an assignment group.")
    created: float = Field(0.05, ge=0, le=1, description="No creation time (first event used).")
    resolution: float = Field(
        0.05, ge=0, le=1,
        description="Resolution not exported (resolved or closed by status only) or unknowable.",
    )  # fmt: skip


class Check(_Section):
    """Thresholds of mapping health (``ticketlake check``; see docs/sources.md)."""

    max_unknown_share: UnknownShares = Field(
        default_factory=UnknownShares, description="Per field, the share of tickets allowed."
    )
    max_stateless_share: float = Field(
        1.0, ge=0, le=1, description="Share of tickets whose state no event reveals."
    )
    max_out_of_period_share: float = Field(
        0.01, ge=0, le=1, description="Share of events dated after their file was read.",
    )  # fmt: skip
    max_quarantined_share: float = Field(
        0.05, ge=0, le=1, description="Share of a source's rows still in quarantine.",
    )  # fmt: skip
    top_values: int = Field(10, ge=1, description="Unmapped raw values listed per field.")
    sla_tolerance_minutes: float = Field(
        1.0, ge=0, description="Minutes a vendor's SLA figure may differ from ours and agree.",
    )  # fmt: skip


class Online(_Section):
    """The online slice in Redis (``ticketlake online``; docs/online.md). Credentials come
    from the environment (``REDIS_URL``, ``TICKETLAKE_REDIS_USERNAME``,
    ``TICKETLAKE_REDIS_PASSWORD``), never from this file."""

    url: str | None = Field(
        None,
        description="Redis URL without credentials, e.g. redis://127.0.0.1:6379/0; null uses "
        "the REDIS_URL environment variable.",
    )
    per_source: int = Field(
        1000, ge=1, description="Open tickets per source in the slice, most recently updated first."
    )
    prefix: str = Field("ticketlake", description="First part of every key the slice writes.")
    ttl_seconds: int = Field(
        172_800, ge=60, description="Seconds a slice lives in Redis without a new push."
    )
    grace_seconds: int = Field(
        60, ge=1, description="Seconds a replaced slice stays readable after a push."
    )
    batch_tickets: int = Field(
        2000, ge=1, le=100_000, description="Tickets written per pipeline (one round trip each)."
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlparse(value)
        if parts.scheme not in ("redis", "rediss", "unix"):
            raise ValueError("expected a redis://, rediss:// or unix:// URL")
        if parts.password is not None:
            raise ValueError(
                "no password in ticketlake.yml: set TICKETLAKE_REDIS_PASSWORD or REDIS_URL instead"
            )
        return value

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not value or any(c.isspace() or c in ":{}*?[]" for c in value):
            raise ValueError(
                "use letters, digits, '-', '_' or '.' (no blanks, ':', braces or globs)"
            )
        return value


def _default_targets() -> dict[str, Target]:
    hours = {"P1": (0.5, 4), "P2": (1, 8), "P3": (4, 24), "P4": (8, 72)}
    return {p: Target(response_hours=r, resolution_hours=s) for p, (r, s) in hours.items()}


class Settings(_Section):
    """All settings of a ticketlake project, as read from ``ticketlake.yml``."""

    paths: Paths = Field(default_factory=Paths, description="Where data, warehouse and logs live.")
    timezone: str = Field(
        "UTC",
        description="Project time zone (IANA name) for naive timestamps and local days.",
    )
    engine: Engine = Field(default_factory=Engine, description="Engine and DuckDB resource limits.")
    spark: Spark = Field(default_factory=Spark, description="Spark settings for engine.name spark.")
    sources: list[SourceConfig] = Field(
        default_factory=list, description="Inputs to ingest, one entry per source."
    )
    statuses: dict[str, StatusCategory] = Field(
        default_factory=lambda: dict(DEFAULT_STATUSES),
        description="Raw status label (any case) -> status category.",
    )
    priorities: Priorities = Field(
        default_factory=Priorities, description="Priority levels and aliases."
    )
    targets: dict[str, Target] = Field(
        default_factory=_default_targets, description="Canonical priority -> SLA targets."
    )
    calendars: dict[str, Calendar] = Field(
        default_factory=dict,
        description="Name -> business calendar (docs/sla.md); 24/7 is built in.",
    )
    sla_policies: list[Policy] = Field(
        default_factory=list,
        description="SLA policies in order, the first whose `when` matches applies (docs/sla.md).",
    )
    sla_priority: PriorityRule = Field(
        "start",
        description="Priority choosing a target: start (in force when the clock started) or current.",
    )
    aging_buckets: list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: [1.0, 3.0, 7.0, 30.0],
        description="Upper bounds in days of the backlog age buckets, increasing.",
    )
    kpis: Kpis = Field(default_factory=Kpis, description="Parameters of the KPI models.")
    ingest: Ingest = Field(default_factory=Ingest, description="Limits ingest applies to rows.")
    dataset: Dataset = Field(default_factory=Dataset, description="The offline training set.")
    text: Text = Field(default_factory=Text, description="Themes and sentiment of ticket text.")
    query: Query = Field(default_factory=Query, description="Caps on SQL a person types.")
    check: Check = Field(default_factory=Check, description="Thresholds of mapping health.")
    online: Online = Field(
        default_factory=Online, description="The online slice in Redis (docs/online.md)."
    )

    job: Job = Field(default_factory=Job, description="Steps and retries of the daily job.")
    _status_lookup: dict[str, str] = PrivateAttr(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return str(check_timezone(value))

    @field_validator("sources")
    @classmethod
    def _unique_sources(cls, value: list[SourceConfig]) -> list[SourceConfig]:
        names = [source.name for source in value]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate source name '{duplicates[0]}'")
        return value

    @field_validator("statuses", "targets", "calendars", mode="before")
    @classmethod
    def _dict_keys(cls, value: Any) -> Any:
        return string_keys(value)

    @field_validator("statuses")
    @classmethod
    def _statuses(cls, value: dict[str, StatusCategory]) -> dict[str, StatusCategory]:
        casefold_lookup(value, "status")
        return value

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: dict[str, Target], info: ValidationInfo) -> dict[str, Target]:
        levels = info.data["priorities"].levels if "priorities" in info.data else None
        unknown = [key for key in value if levels is not None and key not in levels]
        if unknown:
            raise ValueError(f"unknown priority '{unknown[0]}' (priorities.levels are {levels})")
        return value

    @field_validator("calendars")
    @classmethod
    def _calendars(cls, value: dict[str, Calendar]) -> dict[str, Calendar]:
        return check_names(value)

    @field_validator("aging_buckets")
    @classmethod
    def _buckets(cls, value: list[float]) -> list[float]:
        if not value:
            raise ValueError("must list at least one bucket bound")
        if any(b <= a for a, b in itertools.pairwise(value)):
            raise ValueError(f"bounds must be strictly increasing (got {value})")
        return value

    @field_validator("sla_policies")
    @classmethod
    def _policies(cls, value: list[Policy], info: ValidationInfo) -> list[Policy]:
        calendars = set(info.data.get("calendars", {}))
        levels = (
            info.data["priorities"].levels if "priorities" in info.data else Priorities().levels
        )
        return check_policies(value, calendars, levels)

    @model_validator(mode="after")
    def _build_lookup(self) -> Settings:
        self._status_lookup = casefold_lookup(self.statuses, "status")
        return self

    def status_category(self, label: str) -> str:
        """Category of a raw status label (case and surrounding blanks ignored), or ``unknown``."""
        return self._status_lookup.get(label.strip().casefold(), "unknown")

    def normalise_priority(self, raw: str | None) -> str:
        """Canonical priority of a raw value (case-insensitive), or ``unknown``."""
        return self.priorities.normalise(raw)

    def business_calendars(self) -> dict[str, tuple[Calendar, str]]:
        """Every calendar, the built-in ``24/7`` first, with the time zone it is read in."""
        found = {ALWAYS: always(), **self.calendars}
        return {name: (cal, cal.timezone or self.timezone) for name, cal in found.items()}

    def policies(self) -> list[Policy]:
        """The SLA policies in order, ending with the built-in ``default`` from ``targets``
        (wall-clock hours by priority on ``24/7``), which applies when nothing else matches."""
        targets = self.targets
        default = Policy.model_construct(
            name=DEFAULT,
            when=Match(),
            response=Clock(hours={p: t.response_hours for p, t in targets.items()}),
            resolution=Clock(hours={p: t.resolution_hours for p, t in targets.items()}),
        )
        return [*self.sla_policies, default]

    def aging_bucket_labels(self) -> list[str]:
        """Labels of the backlog age buckets, e.g. ``['0-1d', '1-3d', '>3d']``."""
        bounds = [0.0, *self.aging_buckets]
        spans = [f"{lo:g}-{hi:g}d" for lo, hi in itertools.pairwise(bounds)]
        return [*spans, f">{bounds[-1]:g}d"]

    def lake_uri(self, project_dir: Path) -> str:
        """The lake location as a URI: ``file:///abs/path`` for local lakes, else unchanged."""
        lake = self.paths.lake
        if not lake.lower().startswith("file://"):
            return lake if SCHEME.match(lake) else _local_path(project_dir, lake).as_uri()
        rest = unquote(lake[len("file://") :])
        rest = rest[len("localhost") :] if rest.startswith("localhost/") else rest
        return _local_path(project_dir, rest).as_uri()

    def lake_dir(self, project_dir: Path) -> Path | None:
        """The local lake folder, or None when the lake is in an object store."""
        uri = self.lake_uri(project_dir)
        return Path(unquote(urlparse(uri).path)) if uri.startswith("file:") else None

    def warehouse_path(self, project_dir: Path) -> Path:
        """Absolute path of the DuckDB warehouse file."""
        return _local_path(project_dir, self.paths.warehouse)

    def logs_path(self, project_dir: Path) -> Path:
        """Absolute path of the log directory."""
        return _local_path(project_dir, self.paths.logs)


def _local_path(project_dir: Path, value: str) -> Path:
    """Resolve ``value`` against the project directory unless it is absolute."""
    return Path(os.path.abspath(project_dir / Path(value).expanduser()))
