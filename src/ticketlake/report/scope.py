"""What a report covers: its period (default: the last 28 days with data), its sources, and
the grain of its time axes (days, weeks or months, from the period's length)."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Scope:
    """The rows one chart reads: one source, within the report's period."""

    source: str
    period: Period
    timezone: str = "UTC"  # the zone of the source's local days
    points: Grain | None = None  # the time axes' grain; None: from the period (grain_of)

    @property
    def grain(self) -> Grain:
        """One point per day, week or month on the time axes (the catalog's own periods)."""
        return self.points or grain_of(self.period)

    def kpi(self, name: str, *by: str) -> str:
        """SQL of KPI ``name`` by ``by`` for this source and period, exactly as
        ``ticketlake kpis NAME --by ... --from ... --to ... --where source=...`` computes it."""
        start, end = self.period.start, self.period.end
        return kpis.query(kpis.get(name), by or None, start, end, {"source": self.source})

    def table(self, name: str, **equal: str) -> str:
        """SQL of a whole-history KPI table's rows of this source that equal ``equal``."""
        return kpis.query(kpis.get(name), None, None, None, {"source": self.source, **equal})

    def where(self, day: str) -> str:
        """A condition keeping this source's rows whose ``day`` (SQL) is in the period."""
        start, end = (lit(d.isoformat()) for d in (self.period.start, self.period.end))
        return (f"source = {lit(self.source)} "
                f"AND {day} BETWEEN CAST({start} AS DATE) AND CAST({end} AS DATE)")  # fmt: skip
