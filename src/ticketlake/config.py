"""Project configuration: typed settings read from ``ticketlake.yml`` plus ``--set`` overrides.

Every user mistake surfaces as a one-line :class:`ConfigError` naming the offending key.
"""

from __future__ import annotations

import difflib
import itertools
import json
import os
import re
import types
from collections.abc import Hashable, Iterator, Mapping, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from ticketlake.errors import ConfigError
from ticketlake.sources import FIELDS, FORMATS

__all__ = [
    "CONFIG_FILE",
    "Engine",
    "Paths",
    "Priorities",
    "Settings",
    "SourceConfig",
    "Target",
    "default_config_text",
    "load_settings",
    "settings_reference",
    "write_default_config",
]

CONFIG_FILE = "ticketlake.yml"

StatusCategory = Literal[
    "new", "open", "pending", "on_hold", "resolved", "closed", "cancelled", "unknown"
]
Encoding = Literal["auto", "utf-8", "latin-1", "cp1252"]

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_MEMORY = re.compile(r"^(\d+(\.\d+)?\s*([KMGT]i?B|B)|\d+(\.\d+)?%)$", re.IGNORECASE)
_DATE_DIRECTIVES = "YymdHIMSfpzZbBaAj%"
_DEFAULT_NULL_MARKERS = ["", "?", "NULL", "null", "N/A", "n/a", "-"]

# pending = waiting for the requester; on_hold = waiting for anyone else (vendor, problem, change).
_DEFAULT_STATUSES: dict[str, StatusCategory] = {
    "New": "new",
    "To Do": "new",
    "Assigned": "open",
    "In Progress": "open",
    "Active": "open",
    "Open": "open",
    "Work in Progress": "open",
    "Reopened": "open",
    "Waiting for Support": "open",
    "Awaiting Customer": "pending",
    "Awaiting User Info": "pending",
    "Awaiting Evidence": "pending",
    "Waiting for Customer": "pending",
    "Pending": "pending",
    "Awaiting Vendor": "on_hold",
    "Awaiting Problem": "on_hold",
    "On Hold": "on_hold",
    "Hold": "on_hold",
    "Resolved": "resolved",
    "Solved": "resolved",
    "Done": "closed",
    "Closed": "closed",
    "Closed Complete": "closed",
    "Cancelled": "cancelled",
    "Canceled": "cancelled",
    "Closed Abandoned": "cancelled",
}
_DEFAULT_ALIASES = {
    "1 - Critical": "P1",
    "2 - High": "P2",
    "3 - Moderate": "P3",
    "4 - Low": "P4",
    "5 - Planning": "P4",
    "Critical": "P1",
    "Urgent": "P1",
    "Highest": "P1",
    "High": "P2",
    "Medium": "P3",
    "Moderate": "P3",
    "Normal": "P3",
    "Low": "P4",
    "Lowest": "P4",
    "Planning": "P4",
    **{str(n): f"P{n}" for n in range(1, 5)},
    **{f"P{n}": f"P{n}" for n in range(1, 5)},
}


# ---------------------------------------------------------------- value checks


def _check_location(value: str, schemes: tuple[str, ...]) -> str:
    """Accept a plain path or a URI whose scheme is in ``schemes``."""
    if not value.strip():
        raise ValueError("must not be empty")
    match = _SCHEME.match(value)
    if match and not schemes:
        raise ValueError("must be a local path, not a URI")
    if match and match.group(1).lower() not in schemes:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ValueError(f"unsupported scheme '{match.group(1)}://' (use a path or {allowed})")
    if match and match.group(1).lower() == "s3" and not value[5:].strip("/"):
        raise ValueError("an s3:// location needs a bucket, e.g. s3://bucket/prefix")
    return value


def _check_timezone(value: str | None) -> str | None:
    """Accept an IANA time zone name such as ``Europe/Berlin``."""
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        msg = f"unknown time zone '{value}' (use an IANA name such as Europe/Berlin)"
        raise ValueError(msg) from None
    return value


def _check_date_format(value: str | None) -> str | None:
    """Accept a strftime pattern made of supported directives that contains a date part."""
    if value is None:
        return None
    for directive in re.findall(r"%(.?)", value):
        if not directive or directive not in _DATE_DIRECTIVES:
            allowed = " ".join(f"%{d}" for d in _DATE_DIRECTIVES)
            raise ValueError(f"unsupported directive '%{directive}' (allowed: {allowed})")
    if not re.search(r"(?<!%)(%%)*%[Yyd]", value):
        raise ValueError("must contain a date part: %Y, %y or %d")
    return value


def _string_keys(value: Any) -> Any:
    """Turn YAML keys such as ``1`` into strings so ``1: P1`` means the same as ``'1': P1``."""
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value


def _casefold_lookup(mapping: Mapping[str, str], what: str) -> dict[str, str]:
    """Index ``mapping`` by stripped, case-folded key; reject such keys with different values."""
    lookup: dict[str, str] = {}
    for key, value in mapping.items():
        folded = key.strip().casefold()
        if lookup.get(folded, value) != value:
            raise ValueError(f"{what} '{key}' is listed twice with different values")
        lookup[folded] = value
    return lookup


# ---------------------------------------------------------------- models


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
        return _check_location(value, ("file", "s3"))

    @field_validator("warehouse", "logs")
    @classmethod
    def _local(cls, value: str) -> str:
        return _check_location(value, ())


class Engine(_Section):
    """Resources the DuckDB engine may use."""

    memory_limit: str = Field("2GB", description="DuckDB memory limit, e.g. 2GB, 512MB or 75%.")
    threads: int = Field(2, ge=1, description="Number of DuckDB worker threads.")

    @field_validator("memory_limit")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not _MEMORY.match(value.strip()):
            raise ValueError("expected a size like '2GB' or '512MB', or a percentage like '75%'")
        if value.strip().endswith("%") and not 0 < float(value.strip()[:-1]) <= 100:
            raise ValueError("a percentage must be above 0% and at most 100%")
        return value.strip()


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
        None, description="Time zone of naive timestamps; null uses the project timezone."
    )
    date_format: str | None = Field(
        None, description="strftime pattern of the dates, e.g. '%d/%m/%Y %H:%M'; null guesses."
    )
    null_markers: list[str] = Field(
        default_factory=lambda: list(_DEFAULT_NULL_MARKERS),
        description="Cell values that mean 'no value'.",
    )
    encoding: Encoding = Field("auto", description="Text encoding of the files; auto detects it.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _IDENTIFIER.match(value):
            raise ValueError(
                f"invalid source name '{value}' (start with a-z; use only a-z, 0-9 and _)"
            )
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        return _check_location(value, ("file", "s3"))

    @field_validator("mapping", mode="before")
    @classmethod
    def _mapping_keys(cls, value: Any) -> Any:
        return _string_keys(value)

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
        return _check_timezone(value)

    @field_validator("date_format")
    @classmethod
    def _date_format(cls, value: str | None) -> str | None:
        return _check_date_format(value)


class Priorities(_Section):
    """Canonical priority levels and the raw values that map onto them."""

    levels: list[str] = Field(
        default_factory=lambda: ["P1", "P2", "P3", "P4"],
        description="Canonical priorities, most urgent first.",
    )
    aliases: dict[str, str] = Field(
        default_factory=lambda: dict(_DEFAULT_ALIASES),
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
        return _string_keys(value)

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        levels = info.data.get("levels")
        for raw, level in value.items():
            if levels is not None and level not in levels:
                raise ValueError(f"'{raw}' maps to '{level}', which is not one of levels {levels}")
        _casefold_lookup(value, "alias")
        return value

    @model_validator(mode="after")
    def _build_lookup(self) -> Priorities:
        self._lookup = _casefold_lookup(self.aliases, "alias")
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


def _default_targets() -> dict[str, Target]:
    hours = {"P1": (0.5, 4), "P2": (1, 8), "P3": (4, 24), "P4": (8, 72)}
    return {p: Target(response_hours=r, resolution_hours=s) for p, (r, s) in hours.items()}


class Settings(_Section):
    """All settings of a ticketlake project, as read from ``ticketlake.yml``."""

    paths: Paths = Field(default_factory=Paths, description="Where data, warehouse and logs live.")
    timezone: str = Field("UTC", description="Project time zone (IANA name) for naive timestamps.")
    engine: Engine = Field(default_factory=Engine, description="DuckDB resource limits.")
    sources: list[SourceConfig] = Field(
        default_factory=list, description="Inputs to ingest, one entry per source."
    )
    statuses: dict[str, StatusCategory] = Field(
        default_factory=lambda: dict(_DEFAULT_STATUSES),
        description="Raw status label (any case) -> status category.",
    )
    priorities: Priorities = Field(
        default_factory=Priorities, description="Priority levels and aliases."
    )
    targets: dict[str, Target] = Field(
        default_factory=_default_targets, description="Canonical priority -> SLA targets."
    )
    aging_buckets: list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: [1.0, 3.0, 7.0, 30.0],
        description="Upper bounds in days of the backlog age buckets, increasing.",
    )
    _status_lookup: dict[str, str] = PrivateAttr(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return str(_check_timezone(value))

    @field_validator("sources")
    @classmethod
    def _unique_sources(cls, value: list[SourceConfig]) -> list[SourceConfig]:
        names = [source.name for source in value]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate source name '{duplicates[0]}'")
        return value

    @field_validator("statuses", "targets", mode="before")
    @classmethod
    def _dict_keys(cls, value: Any) -> Any:
        return _string_keys(value)

    @field_validator("statuses")
    @classmethod
    def _statuses(cls, value: dict[str, StatusCategory]) -> dict[str, StatusCategory]:
        _casefold_lookup(value, "status")
        return value

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: dict[str, Target], info: ValidationInfo) -> dict[str, Target]:
        levels = info.data["priorities"].levels if "priorities" in info.data else None
        unknown = [key for key in value if levels is not None and key not in levels]
        if unknown:
            raise ValueError(f"unknown priority '{unknown[0]}' (priorities.levels are {levels})")
        return value

    @field_validator("aging_buckets")
    @classmethod
    def _buckets(cls, value: list[float]) -> list[float]:
        if not value:
            raise ValueError("must list at least one bucket bound")
        if any(b <= a for a, b in itertools.pairwise(value)):
            raise ValueError(f"bounds must be strictly increasing (got {value})")
        return value

    @model_validator(mode="after")
    def _build_lookup(self) -> Settings:
        self._status_lookup = _casefold_lookup(self.statuses, "status")
        return self

    def status_category(self, label: str) -> str:
        """Category of a raw status label (case and surrounding blanks ignored), or ``unknown``."""
        return self._status_lookup.get(label.strip().casefold(), "unknown")

    def normalise_priority(self, raw: str | None) -> str:
        """Canonical priority of a raw value (case-insensitive), or ``unknown``."""
        return self.priorities.normalise(raw)

    def aging_bucket_labels(self) -> list[str]:
        """Labels of the backlog age buckets, e.g. ``['0-1d', '1-3d', '>3d']``."""
        bounds = [0.0, *self.aging_buckets]
        spans = [f"{lo:g}-{hi:g}d" for lo, hi in itertools.pairwise(bounds)]
        return [*spans, f">{bounds[-1]:g}d"]

    def lake_uri(self, project_dir: Path) -> str:
        """The lake location as a URI: ``file:///abs/path`` for local lakes, else unchanged."""
        lake = self.paths.lake
        if not lake.lower().startswith("file://"):
            return lake if _SCHEME.match(lake) else _local_path(project_dir, lake).as_uri()
        rest = unquote(lake[len("file://") :])
        rest = rest[len("localhost") :] if rest.startswith("localhost/") else rest
        return _local_path(project_dir, rest).as_uri()

    def warehouse_path(self, project_dir: Path) -> Path:
        """Absolute path of the DuckDB warehouse file."""
        return _local_path(project_dir, self.paths.warehouse)

    def logs_path(self, project_dir: Path) -> Path:
        """Absolute path of the log directory."""
        return _local_path(project_dir, self.paths.logs)


def _local_path(project_dir: Path, value: str) -> Path:
    """Resolve ``value`` against the project directory unless it is absolute."""
    return Path(os.path.abspath(project_dir / Path(value).expanduser()))


# ---------------------------------------------------------------- loading


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML loader that rejects a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    problem=f"duplicate key '{key}'", problem_mark=key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_settings(project_dir: Path, overrides: Sequence[str] = ()) -> Settings:
    """Read ``ticketlake.yml`` from ``project_dir`` (defaults if absent) and apply ``--set``s."""
    settings = _validate(_read_config(project_dir / CONFIG_FILE), CONFIG_FILE)
    if not overrides:
        return settings
    data = settings.model_dump()
    applied = [(item, _apply_override(data, item)) for item in overrides]
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_override_message(exc, applied)) from None


def _read_config(path: Path) -> dict[str, Any]:
    """Parse the YAML file into a mapping; an absent or empty file means defaults."""
    if not path.exists():
        return {}
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise ConfigError(f"{CONFIG_FILE}{where}: invalid YAML: {exc.problem}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{CONFIG_FILE}: cannot read: {_one_line(str(exc))}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise ConfigError(f"{CONFIG_FILE}: expected a mapping of settings at the top, got {kind}")
    return data


def _validate(data: dict[str, Any], origin: str) -> Settings:
    """Validate ``data``, turning pydantic's report into a one-line ConfigError."""
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: {_errors_line(exc.errors())}") from None


def _errors_line(errors: Sequence[ErrorDetails]) -> str:
    """The first error in one line, with a count of the others."""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return _error_text(errors[0]) + more


def _error_text(error: ErrorDetails) -> str:
    """``key.path: what is wrong (got value)`` for one pydantic error."""
    loc, kind, value = error["loc"], error["type"], error["input"]
    if kind == "extra_forbidden":
        return f"{_format_loc(loc)}: unknown setting{_suggestion(loc)}"
    message = str(error.get("ctx", {}).get("error")) if kind == "value_error" else error["msg"]
    scalar = value is None or isinstance(value, str | int | float)
    got = (
        f" (got {_short_repr(value)})" if scalar and kind not in ("missing", "value_error") else ""
    )
    where = _format_loc(loc) or "settings"
    return _one_line(f"{where}: {message}{got}")


def _format_loc(loc: Sequence[int | str]) -> str:
    """Render a pydantic location as ``sources[0].format`` or ``statuses['On Hold']``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text


def _suggestion(loc: Sequence[int | str]) -> str:
    """A ``did you mean`` hint for a misspelt setting name."""
    parent = _type_at(Settings, loc[:-1])
    names = list(parent.model_fields) if _is_model(parent) else []
    close = difflib.get_close_matches(str(loc[-1]), names, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _one_line(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- --set overrides


def _apply_override(data: dict[str, Any], item: str) -> tuple[int | str, ...]:
    """Apply one ``KEY=VALUE`` to the settings data; return the location it set."""
    key, value = _split_override(item)
    node: Any = data
    model: Any = Settings
    loc: list[int | str] = []
    segments = key.split(".")
    for position, segment in enumerate(segments):
        step = _step(node, model, segment, loc, item)
        loc.append(step)
        model = _child_type(model, step)
        if position == len(segments) - 1:
            node[step] = value
        else:
            node = _descend(node, step, model, loc, item)
    return tuple(loc)


def _split_override(item: str) -> tuple[str, Any]:
    """Split ``KEY=VALUE`` and parse VALUE as YAML; unparsable text stays a string."""
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set '{item}': expected KEY=VALUE")
    if any(not segment for segment in key.split(".")):
        raise ConfigError(f"--set {item}: empty part in key '{key}'")
    try:
        return key, yaml.safe_load(raw)
    except yaml.YAMLError:
        return key, raw.strip()  # e.g. date formats such as %d/%m/%Y are not valid YAML


def _step(node: Any, model: Any, segment: str, loc: list[int | str], item: str) -> int | str:
    """The key or index ``segment`` selects inside ``node``."""
    if isinstance(node, list):
        return _list_index(node, segment, loc, item)
    if not isinstance(node, dict):
        raise ConfigError(f"--set {item}: '{_format_loc(loc)}' has no sub-settings")
    if _is_model(model) and segment not in model.model_fields:
        raise ConfigError(f"--set {item}: unknown setting '{_format_loc([*loc, segment])}'")
    return segment


def _list_index(items: list[Any], segment: str, loc: list[int | str], item: str) -> int:
    """Position of ``segment`` in a list: a number, or the ``name`` of an entry."""
    if segment.isdigit():
        if int(segment) < len(items):
            return int(segment)
        size = f"it has {len(items)}" if items else "it is empty"
        raise ConfigError(f"--set {item}: no entry {segment} in '{_format_loc(loc)}' ({size})")
    names = [entry.get("name") for entry in items if isinstance(entry, dict)]
    if segment in names:
        return names.index(segment)
    known = ", ".join(map(str, names)) or "none"
    raise ConfigError(
        f"--set {item}: no entry named '{segment}' in '{_format_loc(loc)}' (known: {known})"
    )


def _descend(node: Any, step: int | str, model: Any, loc: list[int | str], item: str) -> Any:
    """Child of ``node`` at ``step``, created empty when a new section or dict entry is named."""
    child = node[step] if isinstance(step, int) or step in node else None
    if child is None and (_is_model(model) or get_origin(model) is dict):
        child = node[step] = {}
    if child is None:
        raise ConfigError(f"--set {item}: '{_format_loc(loc)}' has no sub-settings")
    return child


def _override_message(
    exc: ValidationError, applied: list[tuple[str, tuple[int | str, ...]]]
) -> str:
    """Name the ``--set`` responsible for the first validation error."""
    errors = exc.errors()
    loc = tuple(errors[0]["loc"])
    culprits = [item for item, path in applied if _overlaps(loc, path)]
    chosen = culprits[-1:] or [item for item, _ in applied]
    return " ".join(f"--set {item}" for item in chosen) + f": {_errors_line(errors)}"


def _overlaps(a: tuple[int | str, ...], b: tuple[int | str, ...]) -> bool:
    """True when one location lies inside the other."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


# ---------------------------------------------------------------- model introspection


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _child_type(tp: Any, step: int | str) -> Any:
    """Type found at ``step`` inside a value of type ``tp`` (None when unknown)."""
    if _is_model(tp):
        field = tp.model_fields.get(str(step))
        return field.annotation if field else None
    origin = get_origin(tp)
    if origin is dict:
        return get_args(tp)[1]
    if origin is list:
        return get_args(tp)[0]
    return None


def _type_at(tp: Any, loc: Sequence[int | str]) -> Any:
    for step in loc:
        tp = _child_type(tp, step)
    return tp


# ---------------------------------------------------------------- template and reference


def default_config_text() -> str:
    """The commented default ``ticketlake.yml`` shipped with the package."""
    return (files("ticketlake") / "templates" / CONFIG_FILE).read_text(encoding="utf-8")


def write_default_config(directory: Path, force: bool = False) -> Path:
    """Write the default ``ticketlake.yml`` into ``directory``; never overwrite unless ``force``."""
    target = directory / CONFIG_FILE
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists (use --force to overwrite it)")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        target.write_text(default_config_text(), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def settings_reference() -> list[tuple[str, str, str, str]]:
    """Every setting as (dotted key, type, default, description), for docs and their test."""
    return list(_reference_rows(Settings, ""))


def _reference_rows(model: type[BaseModel], prefix: str) -> Iterator[tuple[str, str, str, str]]:
    for name, field in model.model_fields.items():
        key = prefix + name
        default = "required" if field.is_required() else _default_text(field)
        yield key, _type_name(field.annotation), default, field.description or ""
        nested, suffix = _nested_model(field.annotation)
        if nested is not None:
            yield from _reference_rows(nested, f"{key}{suffix}.")


def _nested_model(tp: Any) -> tuple[type[BaseModel] | None, str]:
    """The model a field contains and the key suffix that reaches it (``[]`` or ``.*``)."""
    if _is_model(tp):
        return tp, ""
    args = get_args(tp)
    if get_origin(tp) is list and _is_model(args[0]):
        return args[0], "[]"
    if get_origin(tp) is dict and _is_model(args[1]):
        return args[1], ".*"
    return None, ""


_SCALAR_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _type_name(tp: Any) -> str:
    """A reader's name for a type annotation, e.g. ``list of string``."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        return _type_name(args[0])
    if origin is Literal:
        return "one of " + ", ".join(map(str, args))
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"mapping of {_type_name(args[0])} to {_type_name(args[1])}"
    if origin in (Union, types.UnionType):
        return " or ".join("null" if a is type(None) else _type_name(a) for a in args)
    return "section" if _is_model(tp) else _SCALAR_NAMES.get(tp, str(tp))


def _default_text(field: FieldInfo) -> str:
    """Short text for a field's default value; long mappings are summarised."""
    default = field.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        return "(section)"
    if isinstance(default, dict) and len(default) > 4:
        return f"{len(default)} built-in entries"
    if isinstance(default, str):
        return default
    return json.dumps(default, default=lambda m: m.model_dump())
