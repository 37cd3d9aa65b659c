"""The shipped template and the reference table in docs/configuration.md."""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
)
from pydantic.fields import FieldInfo

from ticketlake.config.defaults import CONFIG_FILE
from ticketlake.config.introspect import is_model
from ticketlake.config.model import Settings
from ticketlake.errors import ConfigError


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
    if is_model(tp):
        return tp, ""
    args = get_args(tp)
    if get_origin(tp) is list and is_model(args[0]):
        return args[0], "[]"
    if get_origin(tp) is dict and is_model(args[1]):
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
    return "section" if is_model(tp) else _SCALAR_NAMES.get(tp, str(tp))


def _default_text(field: FieldInfo) -> str:
    """Short text for a field's default value; long mappings are summarised."""
    default = field.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        return "(section)"
    if isinstance(default, dict) and len(default) > 4:
        return f"{len(default)} built-in entries"
    if isinstance(default, str):
        return default
    if isinstance(default, date):
        return default.isoformat()
    return json.dumps(default, default=lambda m: m.model_dump())
