"""SQL for ``ticketlake kpis NAME --by ... --from ... --to ... --where ...``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ticketlake.common.sqltext import lit
from ticketlake.errors import UsageError
from ticketlake.kpis.catalog import CATALOG, LABEL, LABELS_TABLE, NO_LABEL, PERIODS, Kpi


def get(name: str) -> Kpi:
    """The KPI called ``name``; a clear error lists the others."""
    try:
        return CATALOG[name]
    except KeyError:
        raise UsageError(f"no KPI named {name!r}; KPIs: {', '.join(CATALOG)}") from None


Filters = Mapping[str, str | tuple[str, ...]]


def query(kpi: Kpi, by: tuple[str, ...] | None = None, date_from: date | None = None,
          date_to: date | None = None, filters: Filters | None = None) -> str:  # fmt: skip
    """SQL answering ``kpi`` grouped by ``by`` (its default when None) between two dates,
    keeping only rows whose dimensions equal ``filters`` (e.g. ``{"source": "helpdesk"}``;
    a tuple of values keeps rows equal to any of them)."""
    filters = filters or {}
    if LABEL in (by or ()) or LABEL in filters:
        _check_label(kpi)
    condition = _condition(kpi, date_from, date_to, filters)
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
    base = _base(kpi, LABEL in columns or LABEL in filters)
    return (f"SELECT {select} FROM (SELECT *{day} FROM {base} {condition}) AS b "
            f"{grouped} {having} {order}")  # fmt: skip


def several_labels(
    kpi: Kpi,
    date_from: date | None = None,
    date_to: date | None = None,
    filters: Filters | None = None,
) -> str:
    """SQL counting the tickets that ``kpi --by label`` (with these dates and filters) counts
    more than once, under each of their labels."""
    _check_label(kpi)
    condition = _condition(kpi, date_from, date_to, filters or {})
    return (
        f"SELECT count(*) FROM (SELECT source, ticket_id FROM {_base(kpi, True)} "
        f"{condition} GROUP BY source, ticket_id HAVING count(*) > 1) AS t"
    )


def label_note(tickets: int) -> str:
    """What the user is told whenever a KPI is sliced by label."""
    counted = "1 ticket has" if tickets == 1 else f"{tickets} tickets have"
    return f"tickets with several labels count once per label: {counted} more than one"


def _check_label(kpi: Kpi) -> None:
    """Only KPIs of one row per ticket slice by label; say which do."""
    if not kpi.by_label:
        sliced = ", ".join(k.name for k in CATALOG.values() if k.by_label)
        raise UsageError(
            f"{kpi.name} cannot be sliced by label: its rows ({kpi.base}) are "
            f"not tickets; label slices {sliced}"
        )


def _base(kpi: Kpi, labelled: bool) -> str:
    """The KPI's base; sliced by label, each ticket row once per current label (once as
    ``(none)`` without labels)."""
    if not labelled:
        return kpi.base
    return (
        f"(SELECT x.*, coalesce(l.label, {lit(NO_LABEL)}) AS {LABEL} FROM {kpi.base} AS x "
        f"LEFT JOIN {LABELS_TABLE} AS l ON l.source = x.source "
        "AND l.ticket_id = x.ticket_id) AS x"
    )


def _condition(kpi: Kpi, date_from: date | None, date_to: date | None,
               filters: Filters) -> str:  # fmt: skip
    """The WHERE clause: the KPI's own filter, the dimension filters and the date range."""
    if date_from and date_to and date_from > date_to:
        raise UsageError(f"--from {date_from} is after --to {date_to}")
    if (date_from or date_to) and not kpi.date:
        raise UsageError(f"{kpi.name} has no date to filter on; --from and --to do not apply")
    where = [kpi.where] if kpi.where else []
    dims = {**kpi.dims, **({LABEL: LABEL} if kpi.by_label else {})}
    for name, value in filters.items():
        if name not in dims:
            raise UsageError(f"{kpi.name} cannot be filtered on {name!r}; "
                             f"choose from: {', '.join(dims)}")  # fmt: skip
        if isinstance(value, tuple):
            where.append(f"{dims[name]} IN ({', '.join(lit(v) for v in value)})" if value
                         else "false")  # fmt: skip
        else:
            where.append(f"{dims[name]} = {lit(str(value))}")
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
    dims = {**kpi.dims, LABEL: LABEL}
    return {n: PERIODS[n].format(date=kpi.date) if n in PERIODS else dims[n] for n in by}


def _measures(kpi: Kpi, columns: dict[str, str]) -> list[str]:
    """The measures' SELECT items: levels read on each period's last day, shares taken
    within the dimensions that are not shared out."""
    within = [col for name, col in columns.items() if name not in kpi.share_over]
    share = f"PARTITION BY {', '.join(within)}" if within else ""
    at_end = "CASE WHEN _day = _period_end THEN "
    return [f"{expr.format(at_end=at_end, share=share)} AS {name}"
            for name, expr in kpi.measures.items()]  # fmt: skip


def day(value: str | None, name: str) -> date | None:
    """A ``--from``/``--to`` (or the API's ``from``/``to``) argument as a date, None for none;
    anything but YYYY-MM-DD is a usage error naming the argument ``name``."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{name} expects a date as YYYY-MM-DD, got {value!r}") from None
