"""The dashboard's JSON endpoints: what its pages show, for any client with a viewer key.

Every endpoint reads one source (``source``, by default the first one the key may read) in
one period (``from``/``to``, by default the report's: the last 28 days with data), filtered
to the rows equal to ``priority``, ``group`` and ``category`` where the data has them:

- ``GET /api/filters``: the sources the key may read, the default period, and the values
  each filter can take in the source;
- ``GET /api/charts`` and ``GET /api/charts/{name}``: the report's chart catalogue, and one
  chart's rows and Vega-Lite specification, made by the report's own code
  (``Chart.sql``, :func:`ticketlake.report.render.specification`);
- ``GET /api/summary``: the report's headline numbers (report/summary.py) against the
  previous period;
- ``GET /api/dashboard/tables/{name}``: one table of the report's catalogue (the themes and
  their outcomes, the rising themes), its columns and rows, made by the report's own code;
- ``GET /api/dashboard/at-risk``: the SLA at-risk queue, one row per running clock
  (kpi ``sla_at_risk``);
- ``GET /api/dashboard/tickets`` and ``GET /api/dashboard/tickets/{source}/{ticket_id}``:
  ticket search and one ticket's events, SLA clocks and links.

A filter a chart or headline cannot apply (its KPI lacks the dimension) is named in its
``ignored``, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from ticketlake.common.sqltext import lit
from ticketlake.engine.warehouse import Snapshot
from ticketlake.report import scope as report_scope
from ticketlake.report.charts import CATALOG, TABLES, absent, has, spec
from ticketlake.report.data import jsonable, rows
from ticketlake.report.scope import Scope
from ticketlake.report.summary import HEADLINES, summarise, unfiltered
from ticketlake.serve import snapshot
from ticketlake.serve.auth import Caller, Viewer
from ticketlake.serve.dashboard.models import (
    ChartInfo,
    ChartOut,
    Choices,
    ColumnOut,
    FigureOut,
    PeriodOut,
    Summary,
    TableOut,
)
from ticketlake.serve.errors import ApiError

router = APIRouter(tags=["dashboard"])
Reading = Annotated[Snapshot, Depends(snapshot.connection)]
FILTERS = {"priority": "priority", "group": "group_name", "category": "category"}  # fact_ticket
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"  # YYYY-MM-DD, and nothing else pydantic would take


@dataclass(frozen=True)
class Asked:
    """The filters of one request, as given (each None when not given)."""

    source: str | None
    start: date | None
    end: date | None
    equal: dict[str, str]


def asked(
    source: Annotated[str | None, Query(max_length=200, description="The source.")] = None,
    start: Annotated[str | None, Query(alias="from", pattern=DAY, description="First day.")] = None,
    end: Annotated[str | None, Query(alias="to", pattern=DAY, description="Last day.")] = None,
    priority: Annotated[str | None, Query(max_length=200, description="Keep one priority.")] = None,
    group: Annotated[str | None, Query(max_length=200, description="Keep one group.")] = None,
    category: Annotated[str | None, Query(max_length=200, description="Keep one category.")] = None,
) -> Asked:
    """The dashboard's filters of a request."""
    given = {"priority": priority, "group": group, "category": category}
    return Asked(
        source, _day(start, "from"), _day(end, "to"), {k: v for k, v in given.items() if v}
    )


def _day(text: str | None, name: str) -> date | None:
    """``text`` (YYYY-MM-DD) as a date; a day the calendar lacks is a 400."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise ApiError(400, f"{name}: {text!r} is not a day (YYYY-MM-DD)") from None


Filters = Annotated[Asked, Depends(asked)]


def readable(caller: Caller, reading: Snapshot) -> dict[str, str]:
    """The sources with tickets ``caller`` may read, each with its time zone."""
    zones = report_scope.zones(reading.con)
    allowed = caller.sources_for(None)
    return {s: zone for s, zone in zones.items() if allowed is None or s in allowed}


def source_of(caller: Caller, reading: Snapshot, source: str | None) -> tuple[str, str]:
    """The source a request reads (the first the key may read when not given) and its
    time zone; 403 for a source outside the key's, 404 for one without tickets."""
    caller.sources_for(source)  # 403 for a source outside the key's
    zones = readable(caller, reading)
    if source is None and zones:
        source = next(iter(zones))
    if source not in zones:
        raise ApiError(
            404,
            f"no tickets in source {source!r}"
            if source
            else "no source this key may read has tickets",
        )
    return source, zones[source]


def scope_of(caller: Caller, reading: Snapshot, filters: Asked) -> Scope:
    """The report's scope of a request: source, period and equality filters."""
    source, zone = source_of(caller, reading, filters.source)
    try:
        period = report_scope.period(reading.con, filters.start, filters.end)
        period.previous  # noqa: B018 - the summary compares with it: it must be a period too
    except OverflowError:
        raise ApiError(
            400, "from/to: the period, or the one before it, leaves the calendar (years 1 to 9999)"
        ) from None
    return Scope(source, period, zone, filters=tuple(sorted(filters.equal.items())))


@router.get("/api/filters", response_model=Choices)
def choices(caller: Viewer, reading: Reading, filters: Filters) -> Choices:
    """The sources, default period and filter values the dashboard offers."""
    source, _zone = source_of(caller, reading, filters.source)
    return Choices(
        build=reading.build.build_id,
        sources=list(readable(caller, reading)),
        source=source,
        values=_values(reading, source),
        period=PeriodOut.of(report_scope.period(reading.con, None, None)),
    )


def _values(reading: Snapshot, source: str) -> dict[str, list[str]]:
    """The values of each filter among ``source``'s tickets."""
    found = {}
    for name, column in FILTERS.items():
        sql = (
            f"SELECT DISTINCT {column} AS v FROM fact_ticket "
            f"WHERE source = {lit(source)} AND {column} IS NOT NULL ORDER BY 1"
        )
        found[name] = [r["v"] for r in rows(reading.con, sql)]
    return found


@router.get("/api/charts", response_model=list[ChartInfo])
def charts(_caller: Viewer) -> list[ChartInfo]:
    """The report's chart catalogue."""
    return [
        ChartInfo(name=c.name, title=c.title, reads=c.reads, whole_history=c.whole_history)
        for c in CATALOG.values()
    ]


@router.get("/api/charts/{name}", response_model=ChartOut)
def chart(
    name: Annotated[str, Path(max_length=100, description="A chart of /api/charts.")],
    caller: Viewer,
    reading: Reading,
    filters: Filters,
) -> ChartOut:
    """One chart's rows and Vega-Lite specification, as ``ticketlake report`` draws it."""
    found = CATALOG.get(name)
    if found is None:
        raise ApiError(404, f"no chart named {name!r}; GET /api/charts lists them")
    where = scope_of(caller, reading, filters)
    built = has(reading.con, found)
    drawn = jsonable(rows(reading.con, found.sql(where))) if built else []
    return ChartOut(
        build=reading.build.build_id,
        chart=found.name,
        title=found.title,
        source=where.source,
        period=PeriodOut.of(where.period),
        span=found.span if found.whole_history else None,
        filters={k: v for k, v in where.filters if k not in where.ignored},
        ignored=sorted(where.ignored),
        empty=None if drawn else found.empty if built else absent(found),
        rows=drawn,
        spec=spec(found, drawn, where) if drawn else None,
    )


@router.get("/api/dashboard/tables/{name}", response_model=TableOut)
def table(
    name: Annotated[str, Path(max_length=100, description="A table of the report's catalogue.")],
    caller: Viewer,
    reading: Reading,
    filters: Filters,
) -> TableOut:
    """One table's columns and rows, as ``ticketlake report`` shows it."""
    found = TABLES.get(name)
    if found is None:
        raise ApiError(404, f"no table named {name!r}; tables: {', '.join(TABLES)}")
    where = scope_of(caller, reading, filters)
    built = has(reading.con, found)
    shown = jsonable(rows(reading.con, found.sql(where))) if built else []
    return TableOut(
        build=reading.build.build_id,
        table=found.name,
        title=found.title,
        reads=found.reads,
        source=where.source,
        period=PeriodOut.of(where.period),
        span=found.span if found.whole_history else None,
        ignored=sorted(where.ignored),
        columns=[ColumnOut(name=c.name, title=c.title, unit=c.unit) for c in found.columns],
        empty=None if shown else found.empty if built else absent(found),
        rows=shown,
    )


@router.get("/api/summary", response_model=Summary)
def summary(caller: Viewer, reading: Reading, filters: Filters) -> Summary:
    """The report's headline numbers of one source against the previous period."""
    where = scope_of(caller, reading, filters)
    figures = summarise(reading.con, where.period, [where.source], filters.equal)[where.source]
    out = [
        FigureOut(
            label=f.label,
            unit=f.unit,
            value=f.value,
            previous=f.previous,
            change=f.change,
            change_pct=f.change_pct,
            verdict=f.verdict,
            kpi=h.kpi,
            ignored=unfiltered(h, filters.equal),
        )
        for f, h in zip(figures, HEADLINES, strict=True)
    ]
    return Summary(
        build=reading.build.build_id,
        source=where.source,
        period=PeriodOut.of(where.period),
        previous=PeriodOut.of(where.period.previous),
        filters=filters.equal,
        figures=out,
    )
