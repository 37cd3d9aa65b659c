"""Source formats, one module each, registered here by name."""

from __future__ import annotations

from pathlib import Path

from ticketlake.errors import UsageError
from ticketlake.sources import (
    eventlog,
    github,
    interactions,
    jira,
    json_records,
    servicenow,
    servicenow_table,
    snapshots,
    tickets,
    xes,
    zendesk,
)
from ticketlake.sources.base import FIELDS, FileKind, Format, normalise_name
from ticketlake.sources.readers import FileProblem

FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        tickets.FORMAT,
        snapshots.FORMAT,
        servicenow.FORMAT,
        servicenow_table.FORMAT,
        xes.FORMAT,
        eventlog.FORMAT,
        interactions.FORMAT,
        json_records.FORMAT,
        jira.FORMAT,
        zendesk.FORMAT,
        github.FORMAT,
    )
}
# Order in which ``auto`` tries the formats: the most specific signature first.
# ``servicenow`` (an audit log) before ``servicenow-table``: both read ``number`` and a state.
AUTO_ORDER = (
    "interactions",
    "servicenow",
    "servicenow-table",
    "xes",
    "snapshots",
    "eventlog",
    "jira",
    "zendesk",
    "github",
    "json",
    "tickets",
)

__all__ = [
    "FIELDS",
    "FORMATS",
    "FileKind",
    "FileProblem",
    "Format",
    "detect",
    "get",
    "has_required",
]


def get(name: str) -> Format:
    """The format called ``name``; a one-line error lists the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        raise UsageError(
            f"unknown format {name!r}; choose auto or one of: {', '.join(FORMATS)}"
        ) from None


def detect(path: Path, header: list[str]) -> Format | None:
    """The format ``auto`` picks for a file from its name and header, or None. A format with
    ``sniff`` is asked about its files by a look at them, except for the tables of a format
    that also has a header signature (Jira: its CSV by header, its JSON by a look)."""
    for name in AUTO_ORDER:
        fmt = FORMATS[name]
        kind = fmt.kind_for(path)
        if kind is None:
            continue
        if fmt.sniff is not None and (kind.reader is not None or not fmt.signature):
            if fmt.sniff(path):
                return fmt
            continue
        if fmt.signature and not fmt.matches_header(header):
            continue
        if has_required(kind, header):
            return fmt
    return None


def has_required(kind: FileKind, header: list[str]) -> bool:
    """Whether ``header`` has a column for every field ``kind`` requires, by known names."""
    names = {normalise_name(h) for h in header}
    return all(
        any(normalise_name(s) in names for s in kind.synonyms.get(f, ())) for f in kind.required
    )
