"""Work out what to ingest: which files, read by which format, under which source settings."""

from __future__ import annotations

import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ticketlake import sources
from ticketlake.config import Settings, SourceConfig
from ticketlake.config.checks import mode_kind
from ticketlake.errors import UsageError
from ticketlake.ingest import naming
from ticketlake.ingest.stage import Reading
from ticketlake.sources.base import FileKind, Format
from ticketlake.sources.readers import FileProblem, csv_header, first_record_keys, header_encoding

DEFAULT_NULL_MARKERS = ("", "?", "NULL", "null", "N/A", "n/a", "-")


@dataclass
class Target:
    """One input file and how to read it; ``problem`` is set when it cannot be read at all."""

    path: Path
    source: str
    format: Format | None
    kind: FileKind | None
    reading: Reading
    mapping: dict[str, str]
    encoding: str  # as the source declares it: auto, or a codec
    problem: str = ""
    chosen: bool = False  # picked by ``auto``


@dataclass
class Plan:
    """The files to ingest in order, and the files of the given folders that were left out."""

    targets: list[Target] = field(default_factory=list)
    ignored: list[tuple[Path, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Request:
    """What the user asked for on the command line (or through the library)."""

    paths: Sequence[Path]
    format: str = "auto"
    mapping: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None


def plan(request: Request, settings: Settings, base: Path) -> Plan:
    """Expand folders and pick a format, mapping and reading settings for every file."""
    config = _source_config(request.source, settings)
    paths = list(request.paths) or ([_config_path(config, base)] if config else [])
    if not paths:
        raise UsageError("nothing to ingest: give a PATH or --source NAME")
    fmt_name = request.format if request.format != "auto" else (config.format if config else "auto")
    fixed = None if fmt_name == "auto" else sources.get(fmt_name)
    result = Plan()
    for path in _expand(paths):
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        if path.is_dir():
            _plan_folder(path, fixed, request, config, settings, result)
        elif problem := not_regular(path):
            raise UsageError(problem)
        else:
            result.targets.append(_target(path, fixed, request, config, settings, strict=True))
    return result


def _expand(paths: list[Path]) -> list[Path]:
    """Paths with glob patterns (``*``, ``?``, ``[``) replaced by the files they match."""
    out: list[Path] = []
    for path in paths:
        text = str(path)
        if text.startswith("s3://"):
            raise UsageError(f"{text}: reading from object stores is not supported yet")
        if any(ch in text for ch in "*?["):
            matches = sorted(
                Path(path.anchor or ".").glob(
                    str(path.relative_to(path.anchor)) if path.anchor else text
                )
            )
            out += matches or [path]
        else:
            out.append(path)
    return out


def _source_config(name: str | None, settings: Settings) -> SourceConfig | None:
    if name is None:
        return None
    for cfg in settings.sources:
        if cfg.name == name:
            return cfg
    known = ", ".join(s.name for s in settings.sources) or "none configured"
    raise UsageError(f"unknown source {name!r} (sources in ticketlake.yml: {known})")


def _config_path(config: SourceConfig, base: Path) -> Path:
    path = Path(config.path.removeprefix("file://"))
    return path if path.is_absolute() else base / path


def _plan_folder(folder: Path, fixed: Format | None, request: Request, config: SourceConfig | None,
                 settings: Settings, result: Plan) -> None:  # fmt: skip
    files = sorted(p for p in folder.rglob("*") if not p.is_dir() and not _hidden(p, folder))
    for path in files:
        if problem := not_regular(path):
            result.ignored.append((path, problem))
            continue
        kind = fixed.kind_for(path) if fixed is not None else None
        if (
            fixed is not None
            and fixed.sniff is not None
            and kind is not None
            and kind.reader is not None
            and not fixed.sniff(path)
        ):  # a folder's other files (a README.json, say)
            result.ignored.append((path, f"{path}: not a {fixed.name} export (its content "
                                         "does not look like one)"))  # fmt: skip
            continue
        target = _target(path, fixed, request, config, settings, strict=False, folder=folder)
        if target.problem and (target.kind is None or "required column" in target.problem):
            result.ignored.append((path, target.problem))
        else:
            result.targets.append(target)


def not_regular(path: Path) -> str | None:
    """Why ``path`` is not a regular file we may read (a device, pipe or socket), or None.
    Asked before anything opens it: opening a pipe blocks, and ``/dev/zero`` never ends."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"{path}: cannot be read: {exc.strerror}"
    return None if stat.S_ISREG(mode) else f"{path}: not a regular file (it is {mode_kind(mode)})"


def _hidden(path: Path, folder: Path) -> bool:
    return any(part.startswith((".", "_")) for part in path.relative_to(folder).parts)


def _target(path: Path, fixed: Format | None, request: Request, config: SourceConfig | None,
            settings: Settings, strict: bool, folder: Path | None = None) -> Target:  # fmt: skip
    """A target for ``path`` (found in ``folder``, if one was given); when it cannot be used,
    ``problem`` says why. Without a configured source, the source is named after the folder
    or the file (ingest/naming.py)."""
    encoding = config.encoding if config else "auto"
    target = Target(path, "", fixed, None, Reading(settings.timezone, None, ()), {}, encoding)
    try:
        header = _header(path, header_encoding(path, encoding))
        fmt = fixed or sources.detect(path, header)
        kind = fmt.kind_for(path) if fmt else None
        if not header and (kind is None or kind.reader is None):
            raise FileProblem(_no_header(path))
        target.chosen = fixed is None
        if fmt is None:
            raise FileProblem(f"{path}: unknown shape: no format recognises its name and columns")
        target.source = config.name if config else naming.source_name(path, folder, fmt.name)
        _settle(target, fmt, request, config, settings, header)
    except FileProblem as exc:
        target.problem = str(exc)
    except OSError as exc:  # e.g. /proc/self/mem: a regular file the system will not read
        target.problem = f"{path}: cannot be read: {exc.strerror or exc}"
    fallback = target.format.name if target.format else "unknown"
    target.source = target.source or request.source or naming.source_name(path, folder, fallback)
    return target


def _header(path: Path, encoding: str) -> list[str]:
    if _json(path):
        return first_record_keys(path, encoding)
    return csv_header(path, encoding)


def _json(path: Path) -> bool:
    return path.name.lower().endswith((".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz"))


def _no_header(path: Path) -> str:
    """Why a file gave no header row or first record: it is empty, or it holds something
    else (a JSON document that is not one record per line, blank lines)."""
    if path.stat().st_size == 0:
        return f"{path}: empty file (no header row or record)"
    if _json(path):
        return (f"{path}: no JSON record found: expected one object per line (JSON lines) "
                "or an array of objects")  # fmt: skip
    return f"{path}: no header row (the file has no line naming columns)"


def _settle(target: Target, fmt: Format, request: Request, config: SourceConfig | None,
            settings: Settings, header: list[str]) -> None:  # fmt: skip
    target.format = fmt
    target.kind = fmt.kind_for(target.path)
    mapping = {**(config.mapping if config else {}), **request.mapping}
    target.mapping = mapping
    target.reading = reading_for(config, fmt, settings, target.kind)
    if target.kind is None:
        raise FileProblem(f"{target.path}: format {fmt.name} does not read files named like this")
    if target.kind.reader is not None:  # the format reads the file itself (a vendor document)
        return
    for name in (f for f in target.kind.required if f not in mapping):
        if not sources.has_required(_narrow(target.kind, [name]), header):
            tried = ", ".join(target.kind.synonyms.get(name, ()))
            raise FileProblem(f"{target.path}: missing required column for {name} "
                              f"(looked for: {tried}); map it with --mapping")  # fmt: skip


def reading_for(config: SourceConfig | None, fmt: Format, settings: Settings,
                kind: FileKind | None = None) -> Reading:  # fmt: skip
    """How to read a source's values: its own settings, else the format's, else the project's.
    The format's ``date_format`` is for its tables: a file kind that reads its documents
    itself (``kind.reader``) hands on the times as the document writes them."""
    markers = tuple(config.null_markers) if config else (fmt.null_markers or DEFAULT_NULL_MARKERS)
    timezone = (config.timezone if config else None) or settings.timezone
    own = fmt.date_format if kind is None or kind.reader is None else None
    date_format = (config.date_format if config else None) or own
    zones = dict(config.zone_names) if config else {}
    return Reading(timezone, date_format, markers, zones)


def _narrow(kind: FileKind, fields: list[str]) -> FileKind:
    return FileKind(kind.name, kind.container, kind.synonyms, tuple(fields))
