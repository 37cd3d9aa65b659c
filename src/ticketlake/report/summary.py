"""The headline numbers at the top of the report, per source, against the previous period.

Each headline is one column of one catalog KPI (docs/metrics.md), read with the KPI's own
query for the period and for the previous period of the same length; nothing is computed
here but the difference, and the tickets behind each figure (a sum of the KPI's own count
columns), which decide whether the change is also given as a percentage
(:data:`ticketlake.report.result.MIN_SAMPLE`).
The dashboard passes equality filters (priority, group, category):
each KPI applies those it has as dimensions, and :func:`unfiltered` names the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ticketlake import kpis
from ticketlake.report.data import Row, rows
from ticketlake.report.result import Figure, Period
from ticketlake.report.scope import honoured


@dataclass(frozen=True)
class Headline:
    """One headline: a KPI column, its unit and which way is better."""

    label: str
    kpi: str
    column: str
    unit: str
    better: int  # +1 higher is better, -1 lower is better, 0 neither
    sample: tuple[str, ...]  # the KPI's columns whose sum is the tickets behind the figure
    zero_when_absent: bool = False  # a source without a row had none (a count), not unknown


HEADLINES = (
    Headline("Created", "volume", "created", "tickets", 0, ("created",), zero_when_absent=True),
    Headline("Resolved", "volume", "resolved", "tickets", +1, ("resolved",), zero_when_absent=True),
    Headline("Backlog at end", "backlog", "open_tickets", "tickets", -1, ("open_tickets",)),
    Headline("Median first response", "response_time", "median_hours", "hours", -1, ("responded",)),
    Headline("Median resolution", "resolution_time", "median_hours", "hours", -1, ("resolved",)),
    Headline(
        "Response target met",
        "target_attainment",
        "response_attainment_pct",
        "%",
        +1,
        ("response_within", "response_breached"),
    ),
    Headline(
        "Resolution target met",
        "target_attainment",
        "resolution_attainment_pct",
        "%",
        +1,
        ("resolution_within", "resolution_late", "overdue_open"),
    ),
    Headline("Reopen rate", "reopen_rate", "reopen_rate_pct", "%", -1, ("resolved_tickets",)),
)

Read = dict[str, dict[str, Row]]  # KPI -> source -> its row


def summarise(con: duckdb.DuckDBPyConnection, period: Period, sources: list[str],
              filters: dict[str, str] | None = None) -> dict[str, list[Figure]]:  # fmt: skip
    """Per source, every headline for ``period`` with its value in the previous period, of
    the rows equal to ``filters`` where the headline's KPI has the dimension."""
    now, before = _read(con, period, filters or {}), _read(con, period.previous, filters or {})
    return {s: [_figure(h, now, before, s) for h in HEADLINES] for s in sources}


def unfiltered(headline: Headline, filters: dict[str, str]) -> list[str]:
    """The ``filters`` that ``headline``'s KPI cannot apply (it lacks the dimension)."""
    return honoured(headline.kpi, filters)[1]


def _read(con: duckdb.DuckDBPyConnection, period: Period, filters: dict[str, str]) -> Read:
    """Each headline KPI by source for ``period``."""
    found: Read = {}
    for name in dict.fromkeys(h.kpi for h in HEADLINES):
        equal = honoured(name, filters)[0]
        sql = kpis.query(kpis.get(name), ("source",), period.start, period.end, equal or None)
        found[name] = {r["source"]: r for r in rows(con, sql)}
    return found


def _figure(headline: Headline, now: Read, before: Read, source: str) -> Figure:
    absent = 0 if headline.zero_when_absent else None

    def value(read: Read) -> float | None:
        row = read[headline.kpi].get(source)
        found: float | None = absent if row is None else row[headline.column]
        return found

    def sample(read: Read) -> int:
        row = read[headline.kpi].get(source) or {}
        return int(sum(row.get(c) or 0 for c in headline.sample))

    return Figure(headline.label, headline.unit, value(now), value(before), headline.better,
                  sample=sample(now), previous_sample=sample(before))  # fmt: skip
