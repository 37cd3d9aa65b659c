"""SQL expressions that turn a source's text values into typed ones (times, numbers, flags)."""

from __future__ import annotations

from collections.abc import Iterable

from ticketlake.common.sqltext import ident, in_list, lit


def cleaned(column: str, null_markers: Iterable[str]) -> str:
    """The trimmed text of ``column``, NULL when it is a null marker."""
    text = f"trim({ident(column)})"
    markers = {m.strip() for m in null_markers} | {""}
    return f"CASE WHEN {text} IN {in_list(sorted(markers))} THEN NULL ELSE {text} END"


def parse_time(text: str, date_format: str | None, timezone: str) -> str:
    """A UTC ``TIMESTAMP`` from ``text``; NULL when it does not parse.

    With a ``date_format`` only that pattern is accepted. Without one: epoch seconds,
    ISO 8601 with an offset or ``Z`` (converted to UTC) and ISO 8601 without one (read in
    ``timezone``). Seven-digit fractions parse exactly; storage keeps microseconds.
    """
    tz = lit(timezone)
    if date_format:
        parsed = f"try_strptime({text}, {lit(date_format)})"
        if "%z" in date_format or "%Z" in date_format:
            return f"timezone('UTC', {parsed})"
        return f"timezone('UTC', timezone({tz}, {parsed}))"
    return (f"CASE WHEN regexp_full_match({text}, '[0-9]{{9,11}}(\\.[0-9]+)?') "
            f"THEN timezone('UTC', to_timestamp(try_cast({text} AS DOUBLE))) "
            f"WHEN regexp_matches({text}, '(Z|[+-][0-9][0-9]:?[0-9][0-9])$') "
            f"THEN timezone('UTC', try_cast({text} AS TIMESTAMPTZ)) "
            f"ELSE timezone('UTC', timezone({tz}, try_cast({text} AS TIMESTAMP))) END")  # fmt: skip


def parse_int(text: str) -> str:
    """An integer, accepting ``3`` and ``3.0``; NULL when it does not parse."""
    return f"coalesce(try_cast({text} AS BIGINT), try_cast(try_cast({text} AS DOUBLE) AS BIGINT))"


def parse_bool(text: str) -> str:
    """A boolean from the usual spellings; NULL when it is none of them."""
    low = f"lower({text})"
    return (f"CASE WHEN {low} IN ('true', 't', 'yes', 'y', '1') THEN true "
            f"WHEN {low} IN ('false', 'f', 'no', 'n', '0') THEN false END")  # fmt: skip
