"""Match a profiled file to what ticketlake reads: its format, a column per canonical field,
and a status category or priority for each value found. Only names and vocabularies it
knows are matched; everything else is returned as unmatched, for the user to review."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from ticketlake.config.defaults import IDENTIFIER
from ticketlake.sources import FIELDS, FORMATS
from ticketlake.sources.base import FileKind, normalise_name
from ticketlake.sources.suggest.profile import Column, Profile, TimeProfile
from ticketlake.sources.suggest.vocab import (
    BPI_STATUSES,
    KNOWN_PRIORITIES,
    KNOWN_STATUSES,
    NAMES,
    PRIORITY_VOCABULARIES,
    STATUS_VOCABULARIES,
)

BY_VALUES = 0.8  # share of rows a column's values must cover to be taken by its values


@dataclass(frozen=True)
class Pick:
    """A canonical field read from a column, and why."""

    field: str
    column: str
    why: str


@dataclass(frozen=True)
class Labels:
    """What each raw value of the status (or priority) column means."""

    column: str
    vocabulary: str | None  # the known vocabulary covering most rows, if any
    mapped: tuple[tuple[str, str, int], ...]  # (raw value, meaning, rows)
    unknown: tuple[tuple[str, int], ...]  # (raw value, rows) nothing known matches
    listed: bool = True  # False: too many distinct values to list


@dataclass(frozen=True)
class Suggestion:
    """A suggested source for one file: name, format, mapping, labels and what is left."""

    profile: Profile
    name: str
    format: str
    format_why: str
    picks: tuple[Pick, ...]
    statuses: Labels | None
    priorities: Labels | None
    date_format: str | None
    notes: tuple[str, ...]  # things the user must look at
    missing: tuple[str, ...]  # required fields without a column

    @property
    def unmapped(self) -> tuple[Column, ...]:
        """The columns no field reads (ingest keeps them in ``attributes``)."""
        used = {p.column for p in self.picks}
        return tuple(c for c in self.profile.columns if c.name not in used)


def suggest(profile: Profile, fmt: str = "auto") -> Suggestion:
    """The source ``map suggest`` proposes for ``profile``, in format ``fmt`` (auto: chosen
    from the file's shape)."""
    fmt, format_why = _format(profile, fmt)
    kind = _kind(profile, fmt)
    picks = _by_names(profile, _fields(kind))
    picks, notes = _lifecycle(profile, picks)
    statuses = _labels(profile, picks, "status", STATUS_VOCABULARIES, KNOWN_STATUSES)
    priorities = _labels(profile, picks, "priority", PRIORITY_VOCABULARIES, KNOWN_PRIORITIES)
    date_format, time_notes = _date_format(profile, picks)
    missing = tuple(f for f in kind.required if f not in picks)
    return Suggestion(profile, source_name(profile), fmt, format_why, tuple(picks.values()),
                      statuses, priorities, date_format, (*notes, *time_notes), missing)  # fmt: skip


def source_name(profile: Profile) -> str:
    """A source name from the file's stem: ``VINST cases.csv`` is ``vinst_cases``."""
    name = normalise_name(profile.path.name.split(".")[0])
    return name if IDENTIFIER.match(name) else f"source_{name}".rstrip("_")


def _format(profile: Profile, fmt: str) -> tuple[str, str]:
    """The format to read the file with, and why."""
    if fmt != "auto":
        return FORMATS[fmt].name, "given with --format"
    if profile.container == "json":
        return "json", "JSON records, one per ticket"
    names = {normalise_name(c.name) for c in profile.columns}
    if FORMATS["servicenow"].matches_header(list(names)):
        return "servicenow", "ServiceNow audit log: one row per update"
    key = _named(profile, "ticket_id", set())
    if key and key.distinct < key.filled and _named(profile, "event_time", {key.name}):
        return (
            "eventlog",
            f"{key.name} repeats on {key.filled - key.distinct:,} rows: one row per change",
        )
    return "tickets", "one row per ticket"


def _kind(profile: Profile, fmt: str) -> FileKind:
    """The kind of file ``fmt`` reads this file as (its first kind when the name fits none)."""
    chosen = FORMATS[fmt]
    return chosen.kind_for(profile.path) or chosen.kinds[0][1]


def _fields(kind: FileKind) -> list[str]:
    """The canonical fields a kind of file reads: its defaults and what its SQL uses."""
    sql = kind.events_sql or kind.links_sql or ""
    used = {f for f in FIELDS if f in kind.synonyms or re.search(rf"\b{f}\b", sql)}
    return [f for f in NAMES if f in used]


def _by_names(profile: Profile, fields: list[str]) -> dict[str, Pick]:
    """A column per field, by known names, each column read by one field at most."""
    picks: dict[str, Pick] = {}
    for name in fields:
        column = _named(profile, name, {p.column for p in picks.values()})
        if column is not None:
            picks[name] = Pick(name, column.name, describe(column))
    return picks


def _named(profile: Profile, field: str, used: set[str]) -> Column | None:
    """The best column for ``field`` by name whose values fit the field's type."""
    by_name: dict[str, Column] = {}
    for column in profile.columns:
        by_name.setdefault(normalise_name(column.name), column)
    for synonym in NAMES.get(field, ()):
        hit = by_name.get(synonym)
        if hit is not None and hit.name not in used and _fits(field, hit):
            return hit
    return None


def _fits(field: str, column: Column) -> bool:
    """Whether the column's values can be the field's: times for times, and so on."""
    wanted = FIELDS[field]
    if column.kind == "empty":
        return False
    return {"time": column.kind == "time", "int": column.kind == "integer",
            "bool": column.kind in ("boolean", "integer", "text")}.get(wanted, True)  # fmt: skip


def describe(column: Column) -> str:
    """A column in a few words: kind and cardinality, and how its times are written."""
    text = f"{column.kind}, {column.distinct:,} distinct in {column.filled:,} rows"
    time = column.time
    if time is None:
        return text
    shape = f"'{time.date_format}'" if time.date_format else "ISO 8601"
    offsets = ", ".join(f"{o} x{n:,}" for o, n in (*time.offsets, *time.zones)[:3])
    return f"{text}; {shape}" + (f", offsets {offsets}" if offsets else ", no offset")


def _lifecycle(profile: Profile, picks: dict[str, Pick]) -> tuple[dict[str, Pick], list[str]]:
    """Status and priority columns beyond their names: a BPI-style status whose sub-status
    carries the lifecycle, and columns whose values are a known vocabulary."""
    notes: list[str] = []
    status, sub = picks.get("status"), picks.get("sub_status")
    if status and sub and _values_in(profile.column(status.column), BPI_STATUSES):
        why = f"BPI style: {status.column} says Accepted/Queued/Completed, this says what happened"
        picks["status"] = replace(sub, field="status", why=f"{why}; {sub.why}")
        picks["sub_status"] = replace(status, field="sub_status")
    for field, known in (("status", KNOWN_STATUSES), ("priority", KNOWN_PRIORITIES)):
        if field not in picks:
            found = _by_values(profile, picks, field, known)
            notes += [found[1]] if found else []
    return picks, notes


def _values_in(column: Column, labels: frozenset[str]) -> bool:
    return bool(column.values) and all(v.casefold() in labels for v, _ in column.values or ())


def _by_values(profile: Profile, picks: dict[str, Pick], field: str,
               known: Mapping[str, str]) -> tuple[Pick, str] | None:  # fmt: skip
    """The column whose values are mostly known labels of ``field``, when none is named so;
    a column already read as ``impact`` moves to ``priority``."""
    movable = {p.column: f for f, p in picks.items() if f == "impact"}
    used = {p.column for p in picks.values()} - set(movable)
    for column in profile.columns:
        # Numbers are a priority only where a column is named so: by values, ids would pass.
        if column.name in used or not column.values or column.kind != "text":
            continue
        covered = sum(n for v, n in column.values if v.casefold() in known)
        if covered >= BY_VALUES * column.filled:
            picks.pop(movable.get(column.name, ""), None)
            picks[field] = Pick(field, column.name, f"by its values; {describe(column)}")
            return picks[field], f"no {field} column by name: {column.name} holds {field} values"
    return None


def _labels(profile: Profile, picks: dict[str, Pick], field: str,
            vocabularies: Mapping[str, Mapping[str, str]], known: Mapping[str, str]) -> Labels | None:  # fmt: skip
    """The meaning of each value of the ``field`` column: from the vocabulary covering most
    rows, else from any known vocabulary, else unknown."""
    if field not in picks:
        return None
    column = profile.column(picks[field].column)
    values = column.values or ()
    if column.values is None:
        return Labels(column.name, None, (), (), listed=False)
    name, vocabulary = _vocabulary(values, vocabularies)
    lookup = {k.casefold(): v for k, v in vocabulary.items()}
    meanings = [
        (raw, lookup.get(raw.casefold()) or known.get(raw.casefold()), n) for raw, n in values
    ]
    mapped = tuple((raw, m, n) for raw, m, n in meanings if m is not None)
    unknown = tuple((raw, n) for raw, m, n in meanings if m is None)
    return Labels(column.name, name, mapped, unknown)


def _vocabulary(values: tuple[tuple[str, int], ...],
                vocabularies: Mapping[str, Mapping[str, str]]) -> tuple[str | None, Mapping[str, str]]:  # fmt: skip
    """The vocabulary whose labels cover most rows (the smaller one on a tie), if any does."""

    def covered(labels: Mapping[str, str]) -> int:
        folded = {k.casefold() for k in labels}
        return sum(n for v, n in values if v.casefold() in folded)

    ranked = sorted(vocabularies.items(), key=lambda kv: (-covered(kv[1]), len(kv[1])))
    if not ranked or covered(ranked[0][1]) == 0:
        return None, {}
    return ranked[0]


def _date_format(profile: Profile, picks: dict[str, Pick]) -> tuple[str | None, list[str]]:
    """The source's ``date_format`` (None: ISO 8601) and what to check about its times."""
    times = [profile.column(p.column) for p in picks.values() if FIELDS[p.field] == "time"]
    profiles = [(c, c.time) for c in times if c.time is not None]
    patterns = [t.date_format for _, t in profiles if t.date_format]
    chosen = max(sorted(set(patterns)), key=patterns.count) if patterns else None
    notes = [note for column, time in profiles for note in _time_notes(column, time, chosen)]
    if any(t.naive for _, t in profiles):
        notes.append("times without an offset are read in the source's timezone "
                     "(null: the project's); set it to the zone the export was written in")  # fmt: skip
    return chosen, notes


def _time_notes(column: Column, time: TimeProfile, chosen: str | None) -> list[str]:
    """What to check about one time column read with the pattern ``chosen``."""
    notes = []
    if time.date_format != chosen:
        notes.append(f"{column.name} is written differently ({time.date_format or 'ISO 8601'}) "
                     f"from the other times ({chosen or 'ISO 8601'}); one date_format reads them all")  # fmt: skip
    if time.parsed < column.filled:
        notes.append(f"{column.filled - time.parsed:,} values of {column.name} are not times")
    if time.alternatives and time.date_format == chosen:
        notes.append(f"{column.name} also reads as {', '.join(time.alternatives)}: "
                     "check day and month order")  # fmt: skip
    zones = [z for z, _ in time.zones if z.upper() not in ("UTC", "GMT", "UT")]
    if zones:
        notes.append(f"{column.name} ends in zone names {', '.join(zones)}: map them in zone_names")
    return notes
