"""SQL for ``ticketlake kpis NAME --by ... --from ... --to ... --where ...``."""

from __future__ import annotations

from datetime import date

from ticketlake.common.sqltext import lit
from ticketlake.errors import UsageError
from ticketlake.kpis.catalog import CATALOG, PERIODS, Kpi


def get(name: str) -> Kpi:
    """The KPI called ``name``; a clear error lists the others."""
    try:
        return CATALOG[name]
    except KeyError:
        raise UsageError(f"no KPI named {name!r}; KPIs: {', '.join(CATALOG)}") from None


def query(kpi: Kpi, by: tuple[str, ...] | None = None, date_from: date | None = None,
          date_to: date | None = None, filters: dict[str, str] | None = None) -> str:  # fmt: skip
    """SQL answering ``kpi`` grouped by ``by`` (its default when None) between two dates,
    keeping only rows whose dimensions equal ``filters`` (e.g. ``{"source": "helpdesk"}``)."""
    condition = _condition(kpi, date_from, date_to, filters or {})
    if kpi.fixed:
        if by is not None and tuple(by) != kpi.default_by:
            raise UsageError(f"{kpi.name} has a fixed grain ({', '.join(kpi.grain)}); "
                             "it does not take --by")  # fmt: skip
        return f"SELECT * FROM {kpi.table} {condition} ORDER BY {', '.join(kpi.default_by)}"
    columns = _columns(kpi, tuple(by) if by is not None else kpi.default_by)
    keys = [f"{col} AS {name}" for name, col in columns.items()]
    select = ", ".join([*keys, *_measures(kpi, columns)])
    day = ""
    if kpi.stock and kpi.date:
        periods = [col for name, col in columns.items() if name in PERIODS]
        window = f"PARTITION BY {', '.join(periods)}" if periods else ""
        day = f", {kpi.date} AS _day, max({kpi.date}) OVER ({window}) AS _period_end"
    grouped = f"GROUP BY {', '.join(columns.values())}" if columns else ""
    having = f"HAVING {kpi.having}" if kpi.having else ""
    order = f"ORDER BY {', '.join(str(i + 1) for i in range(len(columns)))}" if columns else ""
    return (f"SELECT {select} FROM (SELECT *{day} FROM {kpi.base} {condition}) AS b "
            f"{grouped} {having} {order}")  # fmt: skip


def _condition(kpi: Kpi, date_from: date | None, date_to: date | None,
               filters: dict[str, str]) -> str:  # fmt: skip
    """The WHERE clause: the KPI's own filter, the dimension filters and the date range."""
    if date_from and date_to and date_from > date_to:
        raise UsageError(f"--from {date_from} is after --to {date_to}")
    if (date_from or date_to) and not kpi.date:
        raise UsageError(f"{kpi.name} has no date to filter on; --from and --to do not apply")
    where = [kpi.where] if kpi.where else []
    for name, value in filters.items():
        if name not in kpi.dims:
            raise UsageError(f"{kpi.name} cannot be filtered on {name!r}; "
                             f"choose from: {', '.join(kpi.dims)}")  # fmt: skip
        where.append(f"{kpi.dims[name]} = {lit(str(value))}")
    for bound, op in ((date_from, ">="), (date_to, "<=")):
        if kpi.date and bound:
            where.append(f"{kpi.date} {op} CAST({lit(bound.isoformat())} AS DATE)")
    return f"WHERE {' AND '.join(where)}" if where else ""


def _columns(kpi: Kpi, by: tuple[str, ...]) -> dict[str, str]:
    """Each ``--by`` name with the SQL that computes it from the KPI's base."""
    allowed = kpi.by_names()
    for name in by:
        if name not in allowed:
            raise UsageError(f"{kpi.name} cannot be broken down by {name!r}; "
                             f"choose from: {', '.join(allowed)}")  # fmt: skip
    return {n: PERIODS[n].format(date=kpi.date) if n in PERIODS else kpi.dims[n] for n in by}


def _measures(kpi: Kpi, columns: dict[str, str]) -> list[str]:
    """The measures' SELECT items: levels read on each period's last day, shares taken
    within the dimensions that are not shared out."""
    within = [col for name, col in columns.items() if name not in kpi.share_over]
    share = f"PARTITION BY {', '.join(within)}" if within else ""
    at_end = "CASE WHEN _day = _period_end THEN "
    return [f"{expr.format(at_end=at_end, share=share)} AS {name}"
            for name, expr in kpi.measures.items()]  # fmt: skip
