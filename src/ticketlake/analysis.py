"""The warehouse's analytical reads (KPIs, lifecycle, flow, SLA) on one connection.

:class:`Analysis` holds the SQL of these reads once. :class:`~ticketlake.Project` runs them on
a reader of its own (one connection per call, so every part of one answer comes from the
same build); ``ticketlake serve`` runs them on the request's connection. Filters are column
equalities; a value that is a tuple keeps rows whose column is any of its values (how the API
keeps a source-restricted key to its sources).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import pyarrow as pa

from ticketlake import kpis
from ticketlake.common.duck import relations
from ticketlake.common.sqltext import ident, lit
from ticketlake.config import Settings
from ticketlake.engine.reader import catalog_query
from ticketlake.errors import UsageError
from ticketlake.kpis.query import Filters

NO_THEMES = ("this build has no themes: set text.enabled: true in the configuration and build "
             "again (docs/text.md)")  # fmt: skip


class Analysis:
    """The reads of one build through the sandboxed connection ``con``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
        self.con = con
        self.settings = settings

    def arrow(self, sql: str) -> pa.Table:
        """One of ticketlake's own SELECTs, every row (engine/reader.py's catalog_query)."""
        return catalog_query(self.con, sql)

    def kpi(self, name: str, by: Sequence[str] | None = None, date_from: date | None = None,
            date_to: date | None = None, filters: Filters | None = None) -> pa.Table:  # fmt: skip
        """One KPI from the catalog, as ``ticketlake kpis`` prints it."""
        sql = kpis.query(kpis.get(name), tuple(by) if by is not None else None, date_from,
                         date_to, dict(filters or {}))  # fmt: skip
        return self.arrow(sql)

    def kpi_notes(self, name: str, by: Sequence[str] | None = None,
                  date_from: date | None = None, date_to: date | None = None,
                  filters: Filters | None = None) -> list[str]:  # fmt: skip
        """What a reader of the same :meth:`kpi` must know: sliced by label, a ticket counts
        once per label, and how many tickets that repeats."""
        if by is None or kpis.LABEL not in by:
            return []
        sql = kpis.several_labels(kpis.get(name), date_from, date_to, dict(filters or {}))
        tickets = self.arrow(sql).column(0)[0].as_py()
        return [kpis.label_note(int(tickets))]

    def lifecycle(self, where: Filters, by: str | None = None,
                  bins: bool = True) -> dict[str, pa.Table]:  # fmt: skip
        """Lifecycle figures per source (and per ``by``) and, with ``bins``, the histograms."""
        if by is None:
            parts = {"summary": self.table("lifecycle_summary", where, "source")}
        else:
            parts = {"summary": self.kpi("lifecycle", ["source", by], None, None, where)}
        if bins:
            slices = {**where, "dimension": by or "all"}
            parts["distributions"] = self.table("lifecycle_distribution", slices,
                                                "source, measure, value, bin")  # fmt: skip
        return parts

    def flow(self, where: Filters, top: int = 10) -> dict[str, pa.Table]:
        """Process-flow summary, time in status, the busiest transitions and variants."""
        return {
            "summary": self.table("flow_summary", where, "source"),
            "time_in_status": self.table("flow_time_in_status", where, "source, total_hours DESC"),
            "transitions": self._top("flow_transitions", where, "transitions", top),
            "variants": self._top("flow_variants", where, "tickets", top),
        }

    def themes(self, source: str | None = None, rising: bool = False) -> pa.Table:
        """Per theme its tickets and outcomes (``theme_outcome``), across sources or of
        ``source``; with ``rising``, the weeks themes rose in (``theme_rising``), latest first."""
        if not self.has_themes():
            raise UsageError(NO_THEMES)
        known = [
            r[0] for r in self.con.execute("SELECT DISTINCT source FROM fact_ticket").fetchall()
        ]
        if source is not None and source not in known:
            raise UsageError(f"no source named {source!r}; sources: {', '.join(sorted(known))}")
        if rising:
            return self.theme_rising({"source": source or "*"})
        return self.theme_outcomes({"source": source or "*"})

    def has_themes(self) -> bool:
        """Whether the build has the themes of ticket text (``text.enabled``)."""
        return "theme_outcome" in relations(self.con)

    def theme_outcomes(self, where: Filters) -> pa.Table:
        """The rows of ``theme_outcome`` equal to ``where`` (source ``*``: across sources)."""
        return self.table("theme_outcome", where, "scope, source, tickets DESC, theme")

    def theme_rising(self, where: Filters) -> pa.Table:
        """The weeks themes rose in, in the tickets of the sources ``where`` keeps (source
        ``*``: across sources), latest first."""
        return self.arrow("SELECT week_start, scope, source, theme, label, tickets, previous_tickets, "
                          f"round(z, 2) AS z, first_rising_week FROM theme_rising "
                          f"WHERE {equal(where)} AND rising ORDER BY week_start DESC, z DESC")  # fmt: skip

    def text_unknowns(self) -> dict[str, int]:
        """Tickets with text, and how many of them have no theme or no language told."""
        row = self.con.execute("SELECT count(*), count(*) - count(theme), count(*) - "
                               "count(language) FROM text_ticket").fetchall()[0]  # fmt: skip
        return {"tickets": int(row[0]), "no_theme": int(row[1]), "no_language": int(row[2])}

    def sla(self, policy: str | None = None, at_risk: bool = False,
            where: Filters | None = None) -> pa.Table:  # fmt: skip
        """SLA attainment per policy and metric, or with ``at_risk`` the at-risk queue,
        breached first; ``policy`` keeps one policy (an unknown one is an error)."""
        known = [p.name for p in self.settings.policies()]
        if policy is not None and policy not in known:
            raise UsageError(f"no SLA policy named {policy!r}; policies: {', '.join(known)}")
        scope = {**(where or {}), **({"policy": policy} if policy else {})}
        if not at_risk:
            return self.kpi("sla_attainment", ["policy", "metric"], None, None, scope)
        return self.table("kpi_sla_at_risk", scope, "risk DESC, seconds_left, source, ticket_id")

    def table(self, table: str, where: Filters, order: str) -> pa.Table:
        """The rows of ``table`` whose columns equal ``where``, in ``order``."""
        return self.arrow(f"SELECT * FROM {table} WHERE {equal(where)} ORDER BY {order}")

    def _top(self, table: str, where: Filters, by: str, top: int) -> pa.Table:
        return self.arrow(
            f"SELECT * EXCLUDE (_rank) FROM (SELECT *, row_number() OVER (PARTITION BY source "
            f"ORDER BY {by} DESC, 2, 3) AS _rank FROM {table} WHERE {equal(where)}) "
            f"WHERE _rank <= {int(top)} ORDER BY source, {by} DESC"
        )


def equal(where: Filters) -> str:
    """A condition requiring each column to equal its value, or one of a tuple of values
    (``true`` for none)."""
    return " AND ".join(_one(ident(k), v) for k, v in where.items()) or "true"


def _one(column: str, value: str | tuple[str, ...]) -> str:
    if isinstance(value, tuple):
        return f"{column} IN ({', '.join(lit(v) for v in value)})" if value else "false"
    return f"{column} = {lit(value)}"
