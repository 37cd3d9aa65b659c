"""SQL expressions that turn a source's text values into typed ones (times, numbers, flags).

Times without a ``date_format`` are read by shape, each shape by one vectorised expression
(no regular expression per row): ISO 8601 with ``Z`` or an offset (``+05:30``, ``+0530``) and
RFC 2822 (``Mon, 01 Jan 2024 10:00:00 +0100``) are instants; ISO 8601 without one is read in
the source's time zone; 9 to 11 digits are epoch seconds. A value ending in a time-zone name
(``CET``) is read only when the name is unambiguous (``UTC``, ``GMT``, ``UT``) or the source
maps it (``sources[].zone_names``); otherwise it is NULL and :func:`zone_of` names the zone so
the row is quarantined with that reason. The shape the column's first values have is tested
first (:func:`order`), so a column in one shape costs one test per value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ticketlake.common.sqltext import ident, in_list, lit
from ticketlake.config.checks import is_offset

UNAMBIGUOUS = {"UTC": "+00:00", "GMT": "+00:00", "UT": "+00:00"}
RFC_2822 = ("%a, %d %b %Y %H:%M:%S %z", "%d %b %Y %H:%M:%S %z", "%a, %d %b %Y %H:%M %z")
SHAPES = ("offset", "naive", "epoch", "zone")


@dataclass(frozen=True)
class TimeRules:
    """How one source's times are read."""

    timezone: str
    date_format: str | None = None
    zone_names: Mapping[str, str] = field(default_factory=dict)  # abbreviation -> offset/zone


def cleaned(column: str, null_markers: Iterable[str]) -> str:
    """The trimmed text of ``column``, NULL when it is a null marker. Most values have no
    surrounding blank, and for them the (costly) trim is skipped."""
    text = ident(column)
    markers = in_list(sorted({m.strip() for m in null_markers} | {""}))
    return (
        f"CASE WHEN NOT starts_with({text}, ' ') AND NOT ends_with({text}, ' ') "
        f"THEN CASE WHEN {text} IN {markers} THEN NULL ELSE {text} END "
        f"WHEN trim({text}) IN {markers} THEN NULL ELSE trim({text}) END"
    )


def parse_time(text: str, rules: TimeRules, first: str = "naive") -> str:
    """A UTC ``TIMESTAMP`` from ``text``; NULL when it does not parse (see the module
    docstring). ``first`` is the shape to test first."""
    if rules.date_format:
        parsed = f"try_strptime({text}, {lit(rules.date_format)})"
        if "%z" in rules.date_format or "%Z" in rules.date_format:
            return f"timezone('UTC', {parsed})"
        return f"timezone('UTC', timezone({lit(rules.timezone)}, {parsed}))"
    branches = {s: _branch(s, text, rules) for s in SHAPES}
    ordered = [first, *(s for s in SHAPES if s != first)]
    whens = " ".join(f"WHEN {branches[s][0]} THEN {branches[s][1]}" for s in ordered[:-1])
    fast = _fast(first, text, branches[first][1])
    return f"CASE {fast}{whens} ELSE {branches[ordered[-1]][1]} END"


def _fast(shape: str, text: str, expression: str) -> str:
    """A cheaper test for the most common form of ``shape``, tried before the exact tests;
    it accepts only values the exact test of the same shape accepts."""
    if shape == "offset":  # ISO 8601 in UTC: 2024-01-23T11:10:30.9114993Z
        return f"WHEN right({text}, 1) IN ('Z', 'z') THEN {expression} "
    if shape == "naive":  # 2024-01-23 11:10:30: a date first, a digit last, no offset
        return (f"WHEN substr({text}, 5, 1) = '-' AND ascii(right({text}, 1)) BETWEEN 48 AND 57 "
                f"AND NOT contains(substr({text}, 11), '+') "
                f"AND NOT contains(substr({text}, 11), '-') THEN {expression} ")  # fmt: skip
    return ""


def _branch(shape: str, text: str, rules: TimeRules) -> tuple[str, str]:
    """(condition, expression) of one shape; the conditions exclude each other."""
    last = f"ascii(right({text}, 1))"
    letter = f"(({last} BETWEEN 65 AND 89) OR ({last} BETWEEN 97 AND 121))"  # not Z or z
    offset = (f"({last} IN (90, 122) OR contains(substr({text}, 11), '+') "
              f"OR contains(substr({text}, 11), '-'))")  # fmt: skip
    whole = f"split_part({text}, '.', 1)"
    epoch = (f"(translate({text}, '0123456789.', '') = '' "
             f"AND length({whole}) BETWEEN 9 AND 11 "
             f"AND length({text}) - length(replace({text}, '.', '')) <= 1 "
             f"AND NOT ends_with({text}, '.'))")  # fmt: skip
    if shape == "zone":
        return letter, _zone_time(text, rules)
    if shape == "offset":
        return f"(NOT {letter} AND {offset})", _instant(text)
    if shape == "epoch":
        return (f"(NOT {letter} AND NOT {offset} AND {epoch})",
                f"timezone('UTC', to_timestamp(try_cast({text} AS DOUBLE)))")  # fmt: skip
    return (
        f"(NOT {letter} AND NOT {offset} AND NOT {epoch})",
        f"timezone('UTC', timezone({lit(rules.timezone)}, try_cast({text} AS TIMESTAMP)))",
    )


def _instant(text: str) -> str:
    formats = "[" + ", ".join(lit(f) for f in RFC_2822) + "]"
    return (f"timezone('UTC', coalesce(try_cast({text} AS TIMESTAMPTZ), "
            f"try_strptime({text}, {formats})))")  # fmt: skip


def zone_of(text: str) -> str:
    """The time-zone abbreviation a time ends with (``CET`` in ``2024-01-01 10:00 CET``), or
    NULL: two to five capital letters after the time's last digit."""
    return f"nullif(regexp_extract({text}, '[0-9]\\s*([A-Z]{{2,5}})$', 1), '')"


def _zone_time(text: str, rules: TimeRules) -> str:
    """A value ending in a zone name: read with the offset or zone the name stands for."""
    zone = zone_of(text)
    base = f"rtrim(substr({text}, 1, length({text}) - length({zone})))"
    known = {**UNAMBIGUOUS, **{k.upper(): v for k, v in rules.zone_names.items()}}
    cases = []
    for name, meaning in known.items():
        if is_offset(meaning):
            cases.append(f"WHEN {lit(name)} THEN {_instant(f'({base} || {lit(meaning)})')}")
        else:
            local = f"timezone({lit(meaning)}, try_cast({base} AS TIMESTAMP))"
            cases.append(f"WHEN {lit(name)} THEN timezone('UTC', {local})")
    return f"CASE upper({zone}) {' '.join(cases)} END"


def shape_of(value: str) -> str:
    """The shape of one sample value (as the SQL conditions classify it)."""
    last = value[-1:] if value else ""
    if last.isascii() and last.isalpha() and last not in "Zz":
        return "zone"
    tail = value[10:]
    if last in "Zz" or "+" in tail or "-" in tail:
        return "offset"
    digits = value.replace(".", "", 1)
    if 9 <= len(value.split(".", maxsplit=1)[0]) <= 11 and digits.isdigit() and value[-1] != ".":
        return "epoch"
    return "naive"


def order(sample: Sequence[str]) -> str:
    """The shape most of ``sample`` has: the one the column's expression tests first."""
    counts = {s: 0 for s in SHAPES}
    for value in sample:
        counts[shape_of(value)] += 1
    return max(SHAPES, key=lambda s: (counts[s], s == "naive"))


def parse_int(text: str) -> str:
    """An integer, accepting ``3`` and ``3.0``; NULL when it does not parse."""
    return f"coalesce(try_cast({text} AS BIGINT), try_cast(try_cast({text} AS DOUBLE) AS BIGINT))"


def parse_bool(text: str) -> str:
    """A boolean from the usual spellings; NULL when it is none of them."""
    low = f"lower({text})"
    return (f"CASE WHEN {low} IN ('true', 't', 'yes', 'y', '1') THEN true "
            f"WHEN {low} IN ('false', 'f', 'no', 'n', '0') THEN false END")  # fmt: skip
