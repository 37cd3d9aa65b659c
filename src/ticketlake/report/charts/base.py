"""One chart definition: the SQL that reads its rows and the Altair chart that draws them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import altair as alt

from ticketlake.report.scope import Scope

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
