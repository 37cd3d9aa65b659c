"""Everything the commands print: rows as a rich table, CSV or JSON (``--format``), and the
messages, progress and errors on standard error.

What is printed is data (values, column names, file names, reasons, SQL), and data is never
read as rich markup (``[bold]``, ``[/x]``, ``[link=...]``) or emoji codes (``:smile:``). So
both consoles have markup and emoji codes turned off, tables are built of ``Text`` objects,
and every message goes through :func:`say`, :func:`error` or :func:`working`, which build
theirs the same way. Every CSV cell is made formula-safe by :func:`ticketlake.common.cells.guard`.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.highlighter import ReprHighlighter
from rich.table import Table
from rich.text import Text

from ticketlake.common.cells import guard


class Format(StrEnum):
    """Output formats of every command that prints a table."""

    table = "table"
    csv = "csv"
    json = "json"


FormatOption = Annotated[
    Format,
    typer.Option(
        "--format", "-f", help="Output format (CSV is formula-safe).", case_sensitive=False
    ),
]


def console(stderr: bool = False) -> Console:
    """A console that prints text as it is: no markup, no emoji codes, no highlighting."""
    return Console(stderr=stderr, markup=False, emoji=False, highlight=False)


err = console(stderr=True)  # messages, progress and errors; stdout carries only results
_HIGHLIGHT = ReprHighlighter()  # colours numbers in tables; only styles, never parses


def say(message: str, stdout: bool = False) -> None:
    """Print ``message`` as one line, literally: on standard error, or on standard output
    when it is a result (a path the command wrote)."""
    (console() if stdout else err).print(Text(message), soft_wrap=True)


def error(message: str, label: str = "error") -> None:
    """Print ``label: message`` on standard error, the label in bold red, the message as is."""
    err.print(Text.assemble((f"{label}:", "bold red"), " ", message), soft_wrap=True)


@contextmanager
def working(message: str) -> Iterator[Callable[[str], None]]:
    """A spinner on standard error saying ``message``; yields a function that changes what
    it says."""
    with err.status(Text(message), spinner="dots") as status:
        yield lambda text: status.update(Text(text))


def emit(rows: Sequence[Mapping[str, Any]], fmt: Format, title: str | None = None,
         empty: str | None = None) -> None:  # fmt: skip
    """Write ``rows`` to standard output in ``fmt``; as a table, no rows is one line saying
    nothing matched (``empty``, or the title's)."""
    if fmt is Format.table and not rows:
        say(empty or (f"{title}: nothing matched" if title else "nothing matched"), stdout=True)
    elif fmt is Format.json:
        sys.stdout.write(json.dumps(list(rows), indent=2, default=str, ensure_ascii=False) + "\n")
    elif fmt is Format.csv:
        _csv(rows)
    else:
        _table(rows, title)


def _csv(rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows as CSV with a header, lines ending in ``\\n``; every cell formula-safe, the
    header's too."""
    if not rows:
        return
    names = list(rows[0])
    lines: list[list[Any]] = [names, *([row.get(name) for name in names] for row in rows)]
    line = io.StringIO()
    # With "\r\n" as its terminator the writer quotes a cell holding a lone carriage return
    # too (with "\n" it would not, and readers would split the row there).
    writer = csv.writer(line, lineterminator="\r\n")
    for values in lines:
        writer.writerow([guard(value) for value in values])
        sys.stdout.write(line.getvalue().removesuffix("\r\n") + "\n")
        line.seek(0)
        line.truncate()


def _table(rows: Sequence[Mapping[str, Any]], title: str | None) -> None:
    table = Table(title=Text(title) if title else None)
    for column in rows[0] if rows else ():
        table.add_column(Text(column), overflow="fold")
    for row in rows:
        table.add_row(*(_cell(v) for v in row.values()))
    console().print(table)


def _cell(value: Any) -> Text:
    """A value as shown in a table: floats to two decimals, None as blank."""
    if value is None:
        return Text("")
    if isinstance(value, float):
        return _HIGHLIGHT(f"{value:,.2f}")
    return _HIGHLIGHT(str(value))
