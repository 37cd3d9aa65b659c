"""Tables that fit the terminal: one line per row, never a value folded across lines.

``status``, ``quarantine`` and ``tables --sample`` print here. Each column gets the width its
values need, up to :data:`CAP` for most and the rest of the line for the *flexible* ones (raw
text, reasons); a value longer than its column ends in ``…``; numbers are never cut. Columns
that do not fit at all are left out, and a line says which. As everywhere in the CLI, data is
printed literally (``Text`` objects on a console without markup), and line breaks and tabs
inside a value are shown as ``\\n``, ``\\r`` and ``\\t``, so a row stays on its line.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.highlighter import ReprHighlighter
from rich.table import Table
from rich.text import Text

from ticketlake.cli.output import console

ELLIPSIS = "…"
CAP = 24  # widest a column that is not flexible grows while flexible ones want room
MIN = 6  # narrowest a column of text is cut to
WHOLE = 12  # values this short are never cut: columns are left out first
FLEX_MIN = 20  # narrowest a flexible column is cut to, before later columns are left out
_GAP = 3  # " │ " between two columns
_ESCAPES = str.maketrans({"\r": "\\r", "\n": "\\n", "\t": "\\t"})
_HIGHLIGHT = ReprHighlighter()


def shown(value: Any) -> str:
    """A value as a table cell shows it, on one line: floats to two decimals, times to the
    second, None as blank."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return str(value).translate(_ESCAPES)


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells, ending in ``…`` when it was cut."""
    if cell_len(text) <= width:
        return text
    cut = Text(text)
    cut.truncate(width, overflow="ellipsis")
    return cut.plain


def clip_start(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells from the left, starting with ``…`` when it was cut: for
    paths, whose end says most."""
    if cell_len(text) <= width:
        return text
    start = 0
    while cell_len(text[start:]) > width - 1:
        start += 1
    return ELLIPSIS + text[start:]


@dataclass(frozen=True)
class Layout:
    """Which columns a table shows and how wide each one is."""

    names: list[str]
    widths: list[int]
    numeric: list[bool]
    left_out: list[str]


def layout(
    names: Sequence[str], cells: Sequence[Sequence[str]], numeric: Sequence[bool], width: int,
    flexible: Collection[str] = (),
) -> Layout:  # fmt: skip
    """Fit the columns ``names`` (with their ``cells``, row by row) into ``width`` cells."""
    natural = [
        max([cell_len(n), *(cell_len(row[i]) for row in cells)]) for i, n in enumerate(names)
    ]
    least = [
        _least(n, w, num, n in flexible) for n, w, num in zip(names, natural, numeric, strict=True)
    ]
    shown_count = _how_many(least, width)
    widths = least[:shown_count]
    room = width - sum(widths) - _GAP * (shown_count - 1)
    capped = [w if names[i] in flexible else min(w, CAP) for i, w in enumerate(natural)]
    fixed = [i for i in range(shown_count) if names[i] not in flexible]
    flex = [i for i in range(shown_count) if names[i] in flexible]
    for group, wants in ((fixed, capped), (flex, natural), (fixed, natural)):
        room = _grow(widths, group, wants, room)
    return Layout(list(names[:shown_count]), widths, list(numeric[:shown_count]),
                  list(names[shown_count:]))  # fmt: skip


def _least(name: str, natural: int, numeric: bool, flexible: bool) -> int:
    """The narrowest a column may be cut to: numbers and short values not at all, else to
    its header and at least :data:`MIN` (:data:`FLEX_MIN` when flexible) cells."""
    if numeric or natural <= WHOLE:
        return natural
    return min(natural, max(cell_len(name), FLEX_MIN if flexible else MIN))


def _how_many(least: Sequence[int], width: int) -> int:
    """How many leading columns fit at their least widths (always at least one)."""
    used = 0
    for count, w in enumerate(least, 1):
        used += w + (_GAP if count > 1 else 0)
        if used > width:
            return max(count - 1, 1)
    return len(least)


def _grow(widths: list[int], group: Sequence[int], wants: Sequence[int], room: int) -> int:
    """Widen the columns of ``group`` one cell at a time, in turn, toward ``wants`` while
    there is ``room``; returns the room left."""
    while room > 0 and any(widths[i] < wants[i] for i in group):
        for i in group:
            if room > 0 and widths[i] < wants[i]:
                widths[i] += 1
                room -= 1
    return room


def emit(
    rows: Sequence[Mapping[str, Any]], title: str | None = None, flexible: Collection[str] = (),
    tail: Collection[str] = (), width: int | None = None,
) -> None:  # fmt: skip
    """Print ``rows`` on standard output as a table that fits the terminal (or ``width``):
    a title line, then the header and one line per row; a line names the columns left out.
    ``flexible`` columns share the room left; ``tail`` columns are cut from the left."""
    out = console()
    width = width or out.width
    if title:
        out.print(Text(clip(title, width)), soft_wrap=True)
    if not rows:
        return
    names = list(rows[0])
    cells = [[shown(row.get(n)) for n in names] for row in rows]
    numeric = [_is_number([row.get(n) for row in rows]) for n in names]
    fitted = layout(names, cells, numeric, width, flexible)
    out.print(_table(fitted, cells, tail), soft_wrap=True)
    if fitted.left_out:
        note = f"{len(fitted.left_out)} more columns (--format csv or json): "
        out.print(Text(clip(note + ", ".join(fitted.left_out), width)), soft_wrap=True)


def _table(fitted: Layout, cells: Sequence[Sequence[str]], tail: Collection[str]) -> Table:
    """A borderless table of the fitted columns, every cell already cut to its width."""
    table = Table(box=box.MINIMAL, show_edge=False, pad_edge=False)
    cuts = [clip_start if name in tail else clip for name in fitted.names]
    for name, w, number in zip(fitted.names, fitted.widths, fitted.numeric, strict=True):
        table.add_column(Text(clip(name, w)), width=w, no_wrap=True, overflow="ellipsis",
                         justify="right" if number else "left")  # fmt: skip
    for row in cells:
        shown_cells = zip(row[: len(cuts)], fitted.widths, cuts, strict=True)
        table.add_row(*(_HIGHLIGHT(Text(cut(c, w))) for c, w, cut in shown_cells))
    return table


def _is_number(values: Sequence[Any]) -> bool:
    """Whether a column holds numbers only (and at least one): those are never cut."""
    present = [v for v in values if v is not None]
    return bool(present) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in present
    )
