"""One chart definition (the SQL that reads its rows and the Altair chart that draws them) and
one table definition (the SQL and the columns shown), each drawn by the report and the
dashboard alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

import altair as alt

from ticketlake.report.scope import Grain, Scope

Rows = list[dict[str, Any]]
Drawing = alt.Chart | alt.LayerChart


@dataclass(frozen=True)
class Chart:
    """A chart of the catalogue. ``sql`` returns no rows when there is nothing to draw for a
    source; the report then leaves the chart out and says why, with ``empty``."""

    name: str  # file name of the PNG and key in the report
    title: str
    reads: str  # the KPI or table it reads, shown under the title
    empty: str  # why a source may have no rows: "no ticket was resolved in the period"
    sql: Callable[[Scope], str]
    draw: Callable[[Rows, Scope], Drawing]  # the rows ``sql`` read for the scope
    whole_history: bool = False  # reads a table without dates, so the period does not apply
    span: str = "whole history"  # what a chart the period does not apply to shows instead
    needs: str | None = None  # a table only some builds have: without it, no chart at all
    points: Grain | None = None  # the time axis's grain whatever the period's length

    def scoped(self, scope: Scope) -> Scope:
        """``scope`` at the chart's own grain, when it has one (its SQL reads it too)."""
        return replace(scope, points=self.points) if self.points else scope


Unit = Literal["text", "list", "tickets", "hours", "%", "score", "day"]


@dataclass(frozen=True)
class Column:
    """A column of a table: its name in the rows, its heading and how a value is written."""

    name: str
    title: str
    unit: Unit


@dataclass(frozen=True)
class Table:
    """A table of the catalogue, drawn like a chart: ``sql`` reads its rows for a scope (none
    means the table is replaced by ``empty``), ``columns`` are shown in order."""

    name: str
    title: str
    reads: str
    empty: str
    sql: Callable[[Scope], str]
    columns: tuple[Column, ...]
    needs: str | None = None  # as Chart.needs
    whole_history: bool = False
    span: str = "whole history"
