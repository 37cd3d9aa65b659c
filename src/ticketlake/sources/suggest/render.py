"""Write a :class:`Suggestion` as the YAML of ``ticketlake.yml``: a ``sources:`` entry, the
``statuses`` and the priority ``aliases``, each line with a comment saying where it comes
from, and everything unmatched listed in comments with its counts."""

from __future__ import annotations

import json
from collections.abc import Iterator

from ticketlake.sources.suggest.match import Labels, Suggestion, describe

SHOWN = 5  # values shown per unmapped column
WIDTH = 30  # characters shown of each value


def render(suggestion: Suggestion, path: str) -> str:
    """The suggestion as YAML text; ``path`` is the file as the source entry should name it.
    Characters YAML does not allow as they are (control characters) are written as escapes,
    which mean the same character inside a quoted value and are plain text in a comment."""
    lines = [*_header(suggestion), *_source(suggestion, path),
             *_statuses(suggestion.statuses), *_priorities(suggestion.priorities)]  # fmt: skip
    return "\n".join(_printable(line) for line in lines) + "\n"


def _printable(line: str) -> str:
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in line)


def _q(text: str) -> str:
    """A YAML scalar that stays the string it is (JSON strings are YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _header(s: Suggestion) -> Iterator[str]:
    p = s.profile
    yield f"# Suggested by `ticketlake map suggest` for {p.path.name}: review it, then copy it"
    yield "# into ticketlake.yml. Nothing was guessed: what did not match is listed in comments."
    encoding = "" if p.encoding == "utf-8" else f" ({p.encoding}; ingest's encoding: auto reads it)"
    yield f"# Read as {p.container.upper()}{encoding}: {_rows(p.rows)}, {len(p.columns)} columns."
    if p.container == "csv" and p.delimiter != ",":
        yield f"# WARNING: the delimiter is {p.delimiter!r}; ingest reads comma-separated files only."
    for field in s.missing:
        yield f"# MISSING: no column found for the required field {field}; map it by hand."
    for note in s.notes:
        yield f"# CHECK: {note}."


def _source(s: Suggestion, path: str) -> Iterator[str]:
    yield "sources:"
    yield f"  - name: {s.name}"
    yield f"    format: {s.format}  # {s.format_why}"
    yield f"    path: {_q(path)}"
    yield f"    date_format: {_q(s.date_format) if s.date_format else 'null'}"
    if s.picks:
        yield "    mapping:"
    for pick in s.picks:
        yield f"      {pick.field}: {_q(pick.column)}  # {pick.why}"
    absent = not_exported(s)
    if absent:
        yield "    not_exported:  # fields this export does not carry: check shows, never fails on them"
    for field, why in absent.items():
        yield f"      - {field}  # {why}"
    if s.unmapped:
        yield "    # Columns no field reads (ingest keeps them in each event's attributes):"
    for column in s.unmapped:
        shown = ", ".join(f"{_q(_cut(v))} x{n:,}" for v, n in (column.values or ())[:SHOWN])
        more = len(column.values or ()) - SHOWN
        values = f": {shown}" + (f", {more} more" if more > 0 else "") if shown else ""
        yield f"    #   {_q(column.name)}: {describe(column)}{values}"


# Health fields (config.model.HealthField) -> the mapped fields any of which carries it, and
# why it is missing without them; only for the formats whose columns a mapping names.
_CARRIED_BY = {
    "priority": (("priority",), "no priority column: every ticket's priority is unknown"),
    "created": (("created_at", "event_type"), "no creation time or event type: a ticket's "
                "first event is taken as its creation"),
    "resolution": (("resolved_at",), "no resolution time: the change to a resolved or closed "
                   "status (or the closure) gives it"),
}  # fmt: skip
_MAPPED_FORMATS = ("tickets", "json", "eventlog")


def not_exported(s: Suggestion) -> dict[str, str]:
    """The health fields no picked column carries, with the reason, for ``not_exported``."""
    if s.format not in _MAPPED_FORMATS:
        return {}
    picked = {p.field for p in s.picks}
    return {field: why for field, (fields, why) in _CARRIED_BY.items()
            if not picked.intersection(fields)}  # fmt: skip


def _statuses(labels: Labels | None) -> Iterator[str]:
    if labels is None:
        yield "# No status column found: every ticket's status category will be unknown."
        return
    if not labels.listed:
        yield f"# {labels.column} has too many distinct values to list: write statuses by hand."
        return
    yield f"# Status values of {labels.column}{_from(labels)}."
    yield "# `statuses` replaces the default list: add the labels your other sources use."
    yield "statuses:" if labels.mapped else "# statuses: (none known; the defaults stay)"
    for raw, category, rows in labels.mapped:
        yield f"  {_q(raw)}: {category}  # {_rows(rows)}"
    for raw, rows in labels.unknown:
        yield f"  # {_q(raw)}: ?  # {_rows(rows)}: not a known status; give it a category"


def _priorities(labels: Labels | None) -> Iterator[str]:
    if labels is None:
        yield "# No priority column found: every ticket's priority will be unknown."
        return
    if not labels.listed:
        yield f"# {labels.column} has too many distinct values to list: write aliases by hand."
        return
    yield f"# Priority values of {labels.column}{_from(labels)}."
    yield "# `aliases` replaces the default aliases: add the values your other sources use."
    yield "priorities:" if labels.mapped else "# priorities: (none known; the defaults stay)"
    yield "  aliases:" if labels.mapped else "#   aliases:"
    for raw, level, rows in labels.mapped:
        yield f"    {_q(raw)}: {level}  # {_rows(rows)}"
    for raw, rows in labels.unknown:
        yield f"    # {_q(raw)}: ?  # {_rows(rows)}: not a known priority; give it a level"


def _from(labels: Labels) -> str:
    return f", read as {labels.vocabulary}" if labels.vocabulary else ""


def _rows(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")


def _cut(value: str) -> str:
    return value if len(value) <= WIDTH else value[: WIDTH - 3] + "..."
