"""The bodies the dashboard's endpoints answer (:mod:`ticketlake.serve.dashboard.data`), as
pydantic models so that the OpenAPI schema describes every response."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from ticketlake.report.result import Period


class PeriodOut(BaseModel):
    """A period, both days included."""

    start: date = Field(description="First day.")
    end: date = Field(description="Last day.")
    label: str = Field(description="As the report writes it.")

    @classmethod
    def of(cls, period: Period) -> PeriodOut:
        """The period as JSON."""
        return cls(start=period.start, end=period.end, label=period.label())


class Choices(BaseModel):
    """What the filters of the dashboard can be set to."""

    build: str = Field(description="The published build read.")
    sources: list[str] = Field(description="Sources with tickets the key may read.")
    source: str = Field(description="The source the values below are of.")
    period: PeriodOut = Field(description="The default period (the last 28 days with data).")
    values: dict[str, list[str]] = Field(description="Values of priority, group, category.")


class ChartInfo(BaseModel):
    """One chart of the report's catalogue."""

    name: str = Field(description="The name to ask for.")
    title: str = Field(description="Its title.")
    reads: str = Field(description="The KPI or table it reads.")
    whole_history: bool = Field(description="Whether the period does not apply to it.")


class ChartOut(BaseModel):
    """One chart for one source, period and filters."""

    build: str = Field(description="The published build read.")
    chart: str = Field(description="The chart.")
    title: str = Field(description="Its title.")
    source: str = Field(description="The source drawn.")
    period: PeriodOut = Field(description="The period asked (see span for whole-history charts).")
    span: str | None = Field(description="What a chart the period does not apply to shows.")
    filters: dict[str, str] = Field(description="The filters applied.")
    ignored: list[str] = Field(description="Filters asked that the chart's data cannot apply.")
    empty: str | None = Field(description="Why nothing is drawn; null when there are rows.")
    rows: list[dict[str, Any]] = Field(description="The rows drawn.")
    spec: dict[str, Any] | None = Field(description="The Vega-Lite specification.")


class ColumnOut(BaseModel):
    """A column of a table, in the order shown."""

    name: str = Field(description="Its name in the rows.")
    title: str = Field(description="Its heading.")
    unit: str = Field(description="text, list, tickets, hours, %, score or day.")


class TableOut(BaseModel):
    """One table of the report's catalogue for one source."""

    build: str = Field(description="The published build read.")
    table: str = Field(description="The table.")
    title: str = Field(description="Its title.")
    reads: str = Field(description="The warehouse table it reads.")
    source: str = Field(description="The source shown.")
    period: PeriodOut = Field(description="The period asked (see span for whole-history tables).")
    span: str | None = Field(description="What a table the period does not apply to shows.")
    ignored: list[str] = Field(description="Filters asked that the table's data cannot apply.")
    columns: list[ColumnOut] = Field(description="The columns shown, in order.")
    empty: str | None = Field(description="Why there are no rows; null when there are.")
    rows: list[dict[str, Any]] = Field(description="The rows.")


class FigureOut(BaseModel):
    """One headline number."""

    label: str = Field(description="What it is.")
    unit: str = Field(description="tickets, hours or %.")
    value: float | None = Field(description="In the period; null when unknown.")
    previous: float | None = Field(description="In the previous period of the same length.")
    change: float | None = Field(description="value - previous.")
    change_pct: float | None = Field(description="The change in % of previous.")
    verdict: str = Field(description="better, worse, same or empty.")
    kpi: str = Field(description="The KPI it reads (docs/metrics.md).")
    ignored: list[str] = Field(description="Filters asked that its KPI cannot apply.")


class Summary(BaseModel):
    """The headline numbers of one source, against the previous period."""

    build: str = Field(description="The published build read.")
    source: str = Field(description="The source.")
    period: PeriodOut = Field(description="The period.")
    previous: PeriodOut = Field(description="The previous period of the same length.")
    filters: dict[str, str] = Field(description="The filters asked.")
    figures: list[FigureOut] = Field(description="The headlines, in the report's order.")
