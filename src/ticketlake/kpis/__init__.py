"""The KPI catalog: what each KPI means, where it lives and how to slice it.

Every KPI is materialised as a table by a SQL model under ``models/kpi/`` (the grain given in
docs/metrics.md). :func:`query` answers ``ticketlake kpis NAME --by ... --from ... --to``:
it aggregates the KPI's *base* (the KPI table when its measures add up, the ticket fact when
they do not, as medians do) over the requested dimensions and dates, with the same
expressions as the model. A test checks that, at the table's own grain, both agree. The KPIs
whose base has one row per ticket also slice by ``label``, a ticket once per current label
(:func:`several_labels` counts the tickets that count more than once).
"""

from ticketlake.kpis.catalog import CATALOG, LABEL, PERIODS, Kpi
from ticketlake.kpis.query import day, get, label_note, query, several_labels

__all__ = [
    "CATALOG",
    "LABEL",
    "PERIODS",
    "Kpi",
    "day",
    "get",
    "label_note",
    "query",
    "several_labels",
]
