"""What a report covers: its period (default: the last 28 days with data), its sources, the
grain of its time axes (days, weeks or months, from the period's length) and, on the
dashboard, equality filters (priority, group, category) on the rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import duckdb

from ticketlake import kpis
from ticketlake.common.sqltext import lit
from ticketlake.errors import UsageError
from ticketlake.report.data import rows
from ticketlake.report.result import Period

DEFAULT_DAYS = 28
# Time axes show one point per day up to WEEKLY_AFTER_DAYS days, per week (Monday, as the
# catalog's ``week``) up to MONTHLY_AFTER_DAYS days, and per month beyond (docs/report.md).
WEEKLY_AFTER_DAYS = 90
MONTHLY_AFTER_DAYS = 730
Grain = Literal["day", "week", "month"]


def grain_of(period: Period) -> Grain:
    """The points of a time axis over ``period``: days, weeks when it is longer than
    ``WEEKLY_AFTER_DAYS`` days, months when it is longer than ``MONTHLY_AFTER_DAYS``."""
    if period.days > MONTHLY_AFTER_DAYS:
        return "month"
    return "week" if period.days > WEEKLY_AFTER_DAYS else "day"


def period(con: duckdb.DuckDBPyConnection, start: date | None, end: date | None) -> Period:
    """The report's period: ``start`` to ``end``; without ``end`` up to the last day with data,
    without ``start`` the ``DEFAULT_DAYS`` days up to ``end``."""
    if start and end and start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    last = end or last_day(con)
    first = start or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise UsageError(f"--from {first} is after the last day with data, {last}; give --to")
    return Period(first, last)


def last_day(con: duckdb.DuckDBPyConnection) -> date:
    """The last day any ticket was created, resolved or closed, in any source."""
    found = rows(con, "SELECT max(day) AS day FROM kpi_volume_daily")[0]["day"]
    if found is None:
        raise UsageError("the warehouse holds no tickets yet; ingest exports and run "
                         "`ticketlake build` first")  # fmt: skip
    day: date = found
    return day


def sources(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every source with tickets in the warehouse, in name order."""
    return list(zones(con))


def zones(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every source with tickets in the warehouse, in name order, with the time zone of its
    local days (fact_ticket.timezone)."""
    found = rows(con, "SELECT source, max(timezone) AS zone FROM fact_ticket GROUP BY 1 ORDER BY 1")
    return {r["source"]: r["zone"] for r in found}


def honoured(name: str, filters: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The ``filters`` KPI ``name`` can apply (its dimensions, kpis catalog), and the names
    of those it cannot."""
    dims = kpis.get(name).dims
    return ({k: v for k, v in filters.items() if k in dims},
            [k for k in filters if k not in dims])  # fmt: skip


@dataclass(frozen=True)
class Scope:
    """The rows one chart reads: one source, within the report's period, and (the dashboard)
    those equal to ``filters``. A filter the chart's data cannot apply is left out of its
    query and named in ``ignored`` once the chart's SQL has been written, so the chart can
    say so; without filters every query is the report's own."""

    source: str
    period: Period
    timezone: str = "UTC"  # the zone of the source's local days
    points: Grain | None = None  # the time axes' grain; None: from the period (grain_of)

    filters: tuple[tuple[str, str], ...] = ()  # (dimension, value): priority, group, category
    ignored: set[str] = field(default_factory=set, compare=False, hash=False)

    @property
    def grain(self) -> Grain:
        """One point per day, week or month on the time axes (the catalog's own periods)."""
        return self.points or grain_of(self.period)

    def equal(self, name: str) -> dict[str, str]:
        """The KPI catalog filters of KPI ``name`` for this scope: its source and the scope's
        filters the KPI has as dimensions (the others are noted in ``ignored``)."""
        applied, left = honoured(name, dict(self.filters))
        self.ignored.update(left)
        return {"source": self.source, **applied}

    def kpi(self, name: str, *by: str) -> str:
        """SQL of KPI ``name`` by ``by`` for this source and period, exactly as
        ``ticketlake kpis NAME --by ... --from ... --to ... --where source=...`` computes it."""
        start, end = self.period.start, self.period.end
        return kpis.query(kpis.get(name), by or None, start, end, self.equal(name))

    def table(self, name: str, **equal: str) -> str:
        """SQL of a whole-history KPI table's rows of this source that equal ``equal``."""
        return kpis.query(kpis.get(name), None, None, None, {**self.equal(name), **equal})

    def where(self, day: str, like: str) -> str:
        """A condition keeping this source's rows whose ``day`` (SQL) is in the period, on
        the base table of KPI ``like`` (whose dimensions say which filters apply)."""
        dims = kpis.get(like).dims
        equal = [f"{dims[k]} = {lit(v)}" for k, v in self.equal(like).items()]
        return " AND ".join([*equal, self.within(day)])

    def within(self, day: str, before: int = 0) -> str:
        """A condition keeping rows whose ``day`` (SQL) is in the period, or up to
        ``before`` days before its start (a week that overlaps it: 6)."""
        start = lit((self.period.start - timedelta(days=before)).isoformat())
        end = lit(self.period.end.isoformat())
        return f"{day} BETWEEN CAST({start} AS DATE) AND CAST({end} AS DATE)"

    def unfiltered(self) -> None:
        """Note every filter as ignored: the chart reads a table that has none of their
        columns (the themes' tables)."""
        self.ignored.update(k for k, _ in self.filters)
