"""The KPI catalog: what each KPI means, where it lives and how to slice it.

Every KPI is materialised as a table by a SQL model under ``models/kpi/`` (the grain given in
docs/metrics.md). :func:`query` answers ``ticketlake kpis NAME --by ... --from ... --to``:
it aggregates the KPI's *base* (the KPI table when its measures add up, the ticket fact when
they do not, as medians do) over the requested dimensions and dates, with the same
expressions as the model. A test checks that, at the table's own grain, both agree.
"""

from ticketlake.kpis.catalog import CATALOG, PERIODS, Kpi
from ticketlake.kpis.query import get, query

__all__ = ["CATALOG", "PERIODS", "Kpi", "get", "query"]
