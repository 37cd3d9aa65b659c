"""Read ``ticketlake.yml``, apply ``--set`` overrides and validate, with one-line errors."""

from __future__ import annotations

import difflib
import re
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any, get_origin

import yaml
from pydantic import (
    ValidationError,
)
from pydantic_core import ErrorDetails

from ticketlake.config.checks import check_file, check_folder
from ticketlake.config.defaults import CONFIG_FILE
from ticketlake.config.introspect import child_type, is_model, type_at
from ticketlake.config.model import Settings
from ticketlake.errors import ConfigError


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
    applied: list[tuple[str, tuple[int | str, ...]]] = []
    if overrides:
        data = settings.model_dump()
        applied = [(item, _apply_override(data, item)) for item in overrides]
        try:
            settings = Settings.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(_override_message(exc, applied)) from None
    _check_paths(settings, project_dir, applied)
    return settings


def _check_paths(
    settings: Settings, project_dir: Path, applied: list[tuple[str, tuple[int | str, ...]]]
) -> None:
    """Refuse now, naming the setting, a path that can never work (a lake that is a file, a
    warehouse that is a folder) rather than fail when a command first uses it."""
    lake = settings.lake_dir(project_dir)
    checks = [
        ("lake", check_folder(lake) if lake else None),
        ("warehouse", check_file(settings.warehouse_path(project_dir))),
        ("logs", check_folder(settings.logs_path(project_dir))),
    ]
    for key, problem in checks:
        if problem:
            culprits = [item for item, loc in applied if _overlaps(("paths", key), loc)]
            origin = f"--set {culprits[-1]}" if culprits else CONFIG_FILE
            raise ConfigError(f"{origin}: paths.{key}: {problem}")


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
    parent = type_at(Settings, loc[:-1])
    names = list(parent.model_fields) if is_model(parent) else []
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
        model = child_type(model, step)
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
    if is_model(model) and segment not in model.model_fields:
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
    if child is None and (is_model(model) or get_origin(model) is dict):
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
