"""Match canonical fields to a file's columns: an explicit mapping first, then known names."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from ticketlake.errors import ConfigError
from ticketlake.sources.base import FIELDS, FileKind, normalise_name
from ticketlake.sources.readers import FileProblem


def load_mapping_file(path: Path) -> dict[str, str]:
    """Read a ``--mapping`` YAML file: canonical field -> source column (docs/sources.md)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read mapping: {exc}".splitlines()[0]) from None
    if isinstance(data, dict) and isinstance(data.get("mapping"), dict):
        data = data["mapping"]
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ConfigError(f"{path}: a mapping is a YAML object of field: column pairs")
    return check_fields({str(k): v for k, v in data.items()}, str(path))


def check_fields(mapping: Mapping[str, str], origin: str) -> dict[str, str]:
    """Reject mapping keys that are not canonical fields, naming the closest ones."""
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        known = ", ".join(sorted(FIELDS))
        raise ConfigError(f"{origin}: unknown field {unknown[0]!r} in mapping; fields are: {known}")
    return dict(mapping)


def resolve(
    kind: FileKind, columns: list[str], explicit: Mapping[str, str], file: Path
) -> dict[str, str]:
    """Canonical field -> column of this file. Raises :class:`FileProblem` when a required
    field has no column or an explicitly mapped column does not exist."""
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(normalise_name(col), col)
    found: dict[str, str] = {}
    for name, column in explicit.items():
        match = column if column in columns else by_norm.get(normalise_name(column))
        if match is None:
            raise FileProblem(f"{file}: column {column!r} (mapped to {name}) is not in the header")
        found[name] = match
    for name, synonyms in kind.synonyms.items():
        if name not in found and name not in (kind.lists or {}):  # gathered by stage.py
            hit = next(
                (by_norm[normalise_name(s)] for s in synonyms if normalise_name(s) in by_norm), None
            )
            if hit is not None:
                found[name] = hit
    for name in kind.required:
        if name not in found:
            tried = ", ".join(kind.synonyms.get(name, ())) or "none"
            raise FileProblem(f"{file}: missing required column for {name} (looked for: {tried}); "
                              "map it with --mapping")  # fmt: skip
    return found
