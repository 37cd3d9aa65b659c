"""Print rows as a rich table, CSV or JSON (``--format``)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table


class Format(StrEnum):
    """Output formats of every command that prints a table."""

    table = "table"
    csv = "csv"
    json = "json"


FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
]
err = Console(stderr=True)  # messages, progress and errors; stdout carries only results


def emit(rows: Sequence[Mapping[str, Any]], fmt: Format, title: str | None = None) -> None:
    """Write ``rows`` to standard output in ``fmt``."""
    if fmt is Format.json:
        sys.stdout.write(json.dumps(list(rows), indent=2, default=str, ensure_ascii=False) + "\n")
    elif fmt is Format.csv:
        _csv(rows)
    else:
        _table(rows, title)


def _csv(rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def _table(rows: Sequence[Mapping[str, Any]], title: str | None) -> None:
    table = Table(title=title)
    for column in rows[0] if rows else ():
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(v) for v in row.values()))
    Console().print(table)


def _cell(value: Any) -> str:
    """A value as shown in a table: floats to two decimals, None as blank."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)
