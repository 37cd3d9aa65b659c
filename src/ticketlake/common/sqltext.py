"""Small helpers that write SQL text safely: quoted identifiers, literals and lists."""

from __future__ import annotations

from collections.abc import Iterable


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """A quoted SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def in_list(values: Iterable[str]) -> str:
    """``(a, b, c)`` of string literals; ``(NULL)`` when empty, which matches nothing."""
    items = ", ".join(lit(v) for v in values)
    return f"({items or 'NULL'})"
