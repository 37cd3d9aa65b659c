"""Mapping health: how much of each source the settings and the mapping actually understood.

A real export can load every row and still give wrong numbers: statuses nobody mapped count
as ``unknown``, a missing resolution time is taken from a state change. This module measures
that, per source, with one set of queries that ``ticketlake check``, the summaries after
``ingest`` and ``build``, ``status`` and the HTML report all read (docs/sources.md#mapping-health).

The mapping figures read the lake in one pass over its events (so they are current right
after an ingest, and cheap enough to follow every one) and map raw values with today's
settings, as the next build will; the figures about derived milestones read ``fact_ticket``
of the last build, when there is one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from ticketlake.common.sqltext import lit
from ticketlake.config import Settings
from ticketlake.engine import inputs

# Fields measured per ticket; the first three are measured per event too.
TICKET_FIELDS = ("status", "priority", "group", "created", "resolution")
EVENT_FIELDS = ("status", "priority", "group")

# Events with raw values mapped through today's settings (the _h_* tables registered by
# measure(), the build's cfg_statuses and cfg_priority_aliases), and whether each is dated
# after its batch was read: an export cannot know the future, a wrong date format or zone can.
# (Events before their ticket's creation never reach the lake: ingest quarantines them.)
_MAPPED = """
mapped AS (
    SELECT e.source, e.ticket_id, e.event_type, e.created_at,
           trim(e.status) AS status, trim(e.priority_raw) AS priority_raw, e.group_name,
           coalesce(s.status_category, e.vendor_status_category, 'unknown') AS category,
           coalesce(a.priority, 'unknown') AS priority,
           coalesce(e.event_time > l.started_at, false) AS after_read,
           -- the order of the tickets view: time, then creation first and closure last,
           -- then commit order and line
           struct_pack(t := e.event_time,
                       r := CASE e.event_type WHEN 'created' THEN 0 WHEN 'resolved' THEN 2
                                 WHEN 'closed' THEN 3 WHEN 'cancelled' THEN 3 ELSE 1 END,
                       b := e.batch_seq, l := e.source_line) AS recency
    FROM ticket_events AS e
    LEFT JOIN _h_statuses AS s ON s.status_key = lower(trim(e.status))
    LEFT JOIN _h_priorities AS a ON a.raw_key = lower(trim(e.priority_raw))
    LEFT JOIN ledger AS l ON l.batch_id = e.batch_id
    WHERE {where}
)"""

# One pass over the events: per ticket, its events' counts and, as the tickets view picks
# them, its latest status and priority; what its events reveal ("informed" as in
# fact_ticket_event: some event carries a status or a lifecycle event type). Then per source.
_COUNTS = """
per_ticket AS (
    SELECT source, ticket_id, count(*) AS events,
        count(*) FILTER (WHERE status IS NOT NULL AND category = 'unknown') AS e_status_unknown,
        count(*) FILTER (WHERE status IS NULL) AS e_status_missing,
        count(*) FILTER (WHERE priority_raw IS NOT NULL AND priority = 'unknown')
            AS e_priority_unknown,
        count(*) FILTER (WHERE priority_raw IS NULL) AS e_priority_missing,
        count(*) FILTER (WHERE group_name IS NULL) AS e_group_missing,
        count(*) FILTER (WHERE after_read) AS after_read,
        arg_max(category, recency) FILTER (WHERE status IS NOT NULL) AS category,
        arg_max(priority, recency) FILTER (WHERE priority_raw IS NOT NULL) AS priority,
        bool_or(group_name IS NOT NULL) AS has_group,
        bool_or(event_type = 'created' OR created_at IS NOT NULL) AS has_created,
        bool_or(event_type = 'resolved') AS has_resolved,
        bool_or(event_type IN ('resolved', 'closed', 'cancelled')) AS has_end,
        bool_or(status IS NOT NULL OR event_type NOT IN ('created', 'updated', 'seen'))
            AS informed
    FROM mapped GROUP BY source, ticket_id
)
SELECT source, count(*) AS tickets, sum(events) AS events,
    sum(e_status_unknown) AS e_status_unknown, sum(e_status_missing) AS e_status_missing,
    sum(e_priority_unknown) AS e_priority_unknown,
    sum(e_priority_missing) AS e_priority_missing,
    0 AS e_group_unknown, sum(e_group_missing) AS e_group_missing,
    count(*) FILTER (WHERE category = 'unknown') AS t_status_unknown,
    count(*) FILTER (WHERE category IS NULL) AS t_status_missing,
    count(*) FILTER (WHERE priority = 'unknown') AS t_priority_unknown,
    count(*) FILTER (WHERE priority IS NULL) AS t_priority_missing,
    0 AS t_group_unknown, count(*) FILTER (WHERE NOT has_group) AS t_group_missing,
    0 AS t_created_unknown, count(*) FILTER (WHERE NOT has_created) AS t_created_missing,
    count(*) FILTER (WHERE coalesce(category, 'unknown') = 'unknown' AND NOT has_end)
        AS t_resolution_unknown,
    count(*) FILTER (WHERE category IN ('resolved', 'closed') AND NOT has_resolved)
        AS t_resolution_missing,
    count(*) FILTER (WHERE NOT informed) AS stateless,
    sum(after_read) AS out_of_period
FROM per_ticket GROUP BY source ORDER BY source"""

_UNMAPPED = """
SELECT source, field, value, events, tickets, count(*) OVER (PARTITION BY source, field) AS values
FROM (
    SELECT source, 'status' AS field, status AS value, count(*) AS events,
           count(DISTINCT ticket_id) AS tickets
    FROM mapped WHERE status IS NOT NULL AND category = 'unknown' GROUP BY ALL
    UNION ALL
    SELECT source, 'priority', priority_raw, count(*), count(DISTINCT ticket_id)
    FROM mapped WHERE priority_raw IS NOT NULL AND priority = 'unknown' GROUP BY ALL
)
QUALIFY row_number() OVER (PARTITION BY source, field ORDER BY events DESC, value) <= {top}
ORDER BY source, field, events DESC, value"""

# Files whose last attempt failed (a later commit or skip of the same path means it loaded):
# nothing of them is in the lake, so no share above can see them.
_UNLOADED = """
SELECT source, path, reason FROM ledger AS l
WHERE status = 'failed' AND {where}
  AND NOT EXISTS (SELECT 1 FROM ledger AS k WHERE k.source = l.source AND k.path = l.path
                  AND k.seq > l.seq AND k.status IN ('committed', 'skipped'))
QUALIFY row_number() OVER (PARTITION BY source, path ORDER BY seq DESC) = 1
ORDER BY source, path"""

# Per source, the rows read and those still in quarantine: a file can commit with every row
# kept out (a date format nobody guessed) and leave nothing for the shares above.
_QUARANTINED = """
SELECT source, sum(rows_in) AS rows_in,
    (SELECT count(*) FROM quarantine AS q WHERE q.source = l.source AND q.released_by IS NULL)
        AS quarantined
FROM ledger AS l WHERE status = 'committed' AND retry_of IS NULL AND {where}
GROUP BY source ORDER BY source"""

# Per source, the commonest reason its open quarantine rows have, and the column it names.
_COMMONEST = """
SELECT source, error_class, column_name, count(*) AS n FROM quarantine
WHERE released_by IS NULL AND {where} GROUP BY source, error_class, column_name
QUALIFY row_number() OVER (PARTITION BY source ORDER BY n DESC, error_class, column_name) = 1"""

# From the last build: resolutions derived by rule rather than the source's own field.
MILESTONES_SQL = """
SELECT source,
    count(*) FILTER (WHERE resolved_at IS NOT NULL
                     AND resolved_at IS DISTINCT FROM source_resolved_at) AS resolved_by_rule,
    count(*) FILTER (WHERE source_resolved_at IS NOT NULL
                     AND resolved_at IS DISTINCT FROM source_resolved_at) AS resolved_differs
FROM fact_ticket WHERE {where} GROUP BY source"""

# The SLA figures a source may export (canonical fields, beside ticketlake's own in
# fact_ticket) and what each is compared with: (figure, the vendor's value, ticketlake's
# value, what that is, exact). made_sla is 1 or 0 against the verdict of the resolution clock
# (achieved 1, breached 0); minutes agree within check.sla_tolerance_minutes. Only stopped
# clocks count: a running one has no final figure yet (docs/sla.md#the-vendors-own-figures).
SLA_FIGURES: tuple[tuple[str, str, str, str, bool], ...] = (
    ("made_sla", "CASE WHEN t.source_sla_met THEN 1.0 WHEN NOT t.source_sla_met THEN 0.0 END",
     "s.resolution_made", "fact_sla resolution achieved", True),
    ("vendor_reply_minutes", "t.vendor_reply_minutes", "t.first_response_hours * 60",
     "fact_ticket.first_response_hours", False),
    ("vendor_reply_business_minutes", "t.vendor_reply_business_minutes", "s.response_business",
     "fact_sla response elapsed_business_seconds", False),
    ("vendor_resolution_minutes", "t.vendor_resolution_minutes", "t.resolution_hours * 60",
     "fact_ticket.resolution_hours", False),
    ("vendor_resolution_business_minutes", "t.vendor_resolution_business_minutes",
     "s.resolution_business", "fact_sla resolution elapsed_business_seconds", False),
)  # fmt: skip

# Per ticket, the verdict and business minutes of its stopped SLA clocks.
_SLA_STOPPED = """
sla AS (
    SELECT source, ticket_id,
        max(CASE WHEN metric = 'resolution' THEN CASE stage WHEN 'achieved' THEN 1.0
                                                             WHEN 'breached' THEN 0.0 END END)
            AS resolution_made,
        max(CASE WHEN metric = 'response' AND stopped AND stage IN ('achieved', 'breached')
                 THEN elapsed_business_seconds / 60 END) AS response_business,
        max(CASE WHEN metric = 'resolution' AND stopped AND stage IN ('achieved', 'breached')
                 THEN elapsed_business_seconds / 60 END) AS resolution_business
    FROM (SELECT *, stopped_at IS NOT NULL AS stopped FROM fact_sla)
    GROUP BY source, ticket_id
)"""


def agreement_sql(tolerance_minutes: float, where: str = "true") -> str:
    """Per source and SLA figure: tickets with the vendor's value, with both values, and with
    both agreeing (``where`` filters fact_ticket)."""
    pairs = " UNION ALL ".join(
        f"SELECT t.source, {lit(name)} AS figure, {lit(label)} AS compared_with, "
        f"{vendor} AS vendor, {ours} AS ours, {0.0 if exact else float(tolerance_minutes)!r} "
        f"AS tolerance FROM fact_ticket AS t LEFT JOIN sla AS s "
        f"ON s.source = t.source AND s.ticket_id = t.ticket_id WHERE {where}"
        for name, vendor, ours, label, exact in SLA_FIGURES
    )
    return f"""WITH {_SLA_STOPPED}, pairs AS ({pairs})
SELECT source, figure, compared_with, count(vendor) AS vendor,
    count(CASE WHEN vendor IS NOT NULL AND ours IS NOT NULL THEN 1 END) AS "both",
    count(CASE WHEN abs(vendor - ours) <= tolerance THEN 1 END) AS agree
FROM pairs GROUP BY source, figure, compared_with HAVING count(vendor) > 0
ORDER BY source, figure"""


@dataclass(frozen=True)
class FieldHealth:
    """One field of one source at one level (``events`` or ``tickets``): rows whose value is
    given but not mapped (``unknown``) and rows with no value (``missing``)."""

    source: str
    level: str
    field: str
    rows: int
    unknown: int
    missing: int

    @property
    def share(self) -> float:
        """Share of rows whose value is unknown or missing, 0 to 1."""
        return (self.unknown + self.missing) / self.rows if self.rows else 0.0


@dataclass(frozen=True)
class Unmapped:
    """A raw value the settings do not map, with how many events and tickets carry it;
    ``values`` is how many distinct unmapped values the field has in all."""

    source: str
    field: str
    value: str
    events: int
    tickets: int
    values: int


@dataclass(frozen=True)
class Unloaded:
    """A file whose last ingest failed, so none of its rows are in the lake."""

    source: str
    path: str
    reason: str


@dataclass(frozen=True)
class Quarantined:
    """A source's rows read (committed files) and those of them still in quarantine."""

    source: str
    rows_in: int
    quarantined: int
    commonest: str = ""  # "unparseable_timestamp in opened_at x300"


@dataclass(frozen=True)
class SourceHealth:
    """Per-source counts that are not a field's share. The milestone figures are None when
    the warehouse has not been built."""

    source: str
    events: int
    tickets: int
    stateless: int
    out_of_period: int
    resolved_by_rule: int | None = None
    resolved_differs: int | None = None


@dataclass(frozen=True)
class Agreement:
    """An SLA figure a source exports, against ticketlake's own (:data:`SLA_FIGURES`):
    tickets with the vendor's value, with both values, and with both agreeing."""

    source: str
    figure: str
    compared_with: str
    vendor: int
    both: int
    agree: int

    @property
    def rate(self) -> float | None:
        """Share of the tickets with both values that agree, 0 to 1; None without any."""
        return self.agree / self.both if self.both else None


@dataclass
class Health:
    """Everything ``check`` reports, and the breaches of the configured thresholds."""

    sources: list[SourceHealth] = field(default_factory=list)
    fields: list[FieldHealth] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    unloaded: list[Unloaded] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    agreement: list[Agreement] = field(default_factory=list)
    tolerance_minutes: float = 1.0
    breaches: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The stable shape of ``check --format json``."""
        fields = [{**asdict(f), "share": round(f.share, 6)} for f in self.fields]
        return {
            "sources": [asdict(s) for s in self.sources],
            "fields": fields,
            "unmapped": [asdict(u) for u in self.unmapped],
            "unloaded": [asdict(u) for u in self.unloaded],
            "quarantined": [asdict(q) for q in self.quarantined],
            "sla_agreement": [
                {**asdict(a), "rate": None if a.rate is None else round(a.rate, 6)}
                for a in self.agreement
            ],
            "sla_tolerance_minutes": self.tolerance_minutes,
            "breaches": self.breaches,
        }


def measure(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    source: str | None = None,
    fact_ticket: Callable[[str], pa.Table] | None = None,
    fact_sla: bool = False,
) -> Health:
    """The health of every source in the lake behind ``con`` (or of ``source``), judged
    against ``settings.check``; ``fact_ticket`` runs a query on the last build, if it has
    that table, and ``fact_sla`` says whether the build has that one too (for the agreement
    of the vendor's SLA figures with ticketlake's)."""
    where = "true" if source is None else f"e.source = {lit(source)}"
    _register(con, settings)
    try:
        found = _measure(con, where, settings.check.top_values)
    finally:
        con.unregister("_h_statuses")
        con.unregister("_h_priorities")
    files = "true" if source is None else f"source = {lit(source)}"
    found.unloaded = [Unloaded(**r) for r in _dicts(con, _UNLOADED.format(where=files))]
    commonest = {r["source"]: _reason(r) for r in _dicts(con, _COMMONEST.format(where=files))}
    found.quarantined = [
        Quarantined(
            r["source"], int(r["rows_in"]), int(r["quarantined"]), commonest.get(r["source"], "")
        )
        for r in _dicts(con, _QUARANTINED.format(where=files))
    ]
    found.tolerance_minutes = settings.check.sla_tolerance_minutes
    if fact_ticket is not None:
        found.sources = _with_milestones(found.sources, fact_ticket, source)
        if fact_sla:
            found.agreement = _agreement(fact_ticket, source, found.tolerance_minutes)
    found.breaches = breaches(found, settings)
    return found


def _register(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Today's status and priority mappings, as the build writes them into ``cfg_*``."""
    tables = inputs.tables(settings)
    con.register("_h_statuses", tables["cfg_statuses"])
    con.register("_h_priorities", tables["cfg_priority_aliases"])


def _measure(con: duckdb.DuckDBPyConnection, where: str, top: int) -> Health:
    head = "WITH " + _MAPPED.format(where=where)
    counts = _dicts(con, f"{head}, {_COUNTS}")
    unmapped = [Unmapped(**r) for r in _dicts(con, f"{head} {_UNMAPPED.format(top=int(top))}")]
    found = Health(unmapped=unmapped)
    for row in counts:
        found.fields += _fields(row, "events", "e", EVENT_FIELDS)
        found.fields += _fields(row, "tickets", "t", TICKET_FIELDS)
        found.sources.append(
            SourceHealth(
                source=row["source"],
                events=int(row["events"]),
                tickets=row["tickets"],
                stateless=row["stateless"],
                out_of_period=int(row["out_of_period"]),
            )
        )
    return found


def _fields(
    row: dict[str, Any], level: str, prefix: str, names: tuple[str, ...]
) -> list[FieldHealth]:
    """The counts of ``names`` at ``level`` from a source's row of _COUNTS."""
    rows = int(row[level])
    return [
        FieldHealth(
            source=row["source"],
            level=level,
            field=name,
            rows=rows,
            unknown=int(row[f"{prefix}_{name}_unknown"]),
            missing=int(row[f"{prefix}_{name}_missing"]),
        )
        for name in names
    ]


def _with_milestones(
    sources: list[SourceHealth], fact_ticket: Callable[[str], pa.Table], source: str | None
) -> list[SourceHealth]:
    """The sources with the milestone figures of the last build; unchanged when that build
    is from before ``fact_ticket.source_resolved_at`` (the next build adds them)."""
    if "source_resolved_at" not in fact_ticket("SELECT * FROM fact_ticket LIMIT 0").column_names:
        return sources
    where = "true" if source is None else f"source = {lit(source)}"
    rows = {r["source"]: r for r in fact_ticket(MILESTONES_SQL.format(where=where)).to_pylist()}
    return [SourceHealth(**{**asdict(s), **_counts(rows.get(s.source))}) for s in sources]


def _agreement(
    run: Callable[[str], pa.Table], source: str | None, tolerance_minutes: float
) -> list[Agreement]:
    """The agreement of the vendor's SLA figures with ticketlake's, from the last build; none
    when that build is from before fact_ticket.vendor_reply_minutes."""
    if "vendor_reply_minutes" not in run("SELECT * FROM fact_ticket LIMIT 0").column_names:
        return []
    where = "true" if source is None else f"t.source = {lit(source)}"
    rows = run(agreement_sql(tolerance_minutes, where)).to_pylist()
    return [
        Agreement(
            source=r["source"],
            figure=r["figure"],
            compared_with=r["compared_with"],
            vendor=int(r["vendor"]),
            both=int(r["both"]),
            agree=int(r["agree"]),
        )
        for r in rows
    ]


def _reason(row: dict[str, Any]) -> str:
    """``unparseable_timestamp in opened_at x300`` (no column for a row-level reason)."""
    column = f" in {row['column_name']}" if row["column_name"] else ""
    return f"{row['error_class']}{column} x{int(row['n']):,}"


def _counts(row: dict[str, Any] | None) -> dict[str, int]:
    keys = ("resolved_by_rule", "resolved_differs")
    return {k: int(row[k]) if row else 0 for k in keys}


def _dicts(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def breaches(found: Health, settings: Settings) -> list[str]:
    """One line per threshold of ``settings.check`` a source is above; a field a source lists
    in ``not_exported`` never breaches (its counts are still shown)."""
    check = settings.check
    limits = check.max_unknown_share.model_dump()
    lines = [f"{u.source}: not loaded: {u.reason}" for u in found.unloaded]
    for q in found.quarantined:
        if q.rows_in and q.quarantined / q.rows_in > check.max_quarantined_share:
            lines.append(
                _line(
                    q.source,
                    "rows quarantined",
                    q.quarantined,
                    q.rows_in,
                    "max_quarantined_share",
                    check.max_quarantined_share,
                    "rows",
                )
                + (f"; most: {q.commonest}" if q.commonest else "")
            )
    declared = {s.name: set(s.not_exported) for s in settings.sources}
    for f in found.fields:
        if f.field in declared.get(f.source, set()):
            continue  # the source says its export does not carry this field
        if f.level == "tickets" and f.share > limits[f.field]:
            n, setting = f.unknown + f.missing, f"max_unknown_share.{f.field}"
            lines.append(
                _line(
                    f.source, f"{f.field} unknown or missing", n, f.rows, setting, limits[f.field]
                )
            )
    for s in found.sources:
        if s.tickets and s.stateless / s.tickets > check.max_stateless_share:
            lines.append(
                _line(
                    s.source,
                    "state nothing reveals",
                    s.stateless,
                    s.tickets,
                    "max_stateless_share",
                    check.max_stateless_share,
                )
            )
        if s.events and s.out_of_period / s.events > check.max_out_of_period_share:
            lines.append(
                _line(
                    s.source,
                    "dated after their file was read",
                    s.out_of_period,
                    s.events,
                    "max_out_of_period_share",
                    check.max_out_of_period_share,
                    "events",
                )
            )
    return lines


def _line(
    source: str, what: str, n: int, of: int, setting: str, limit: float, unit: str = "tickets"
) -> str:
    """``desk: status unknown or missing: 3 of 6 tickets (50.0%) > check.max_... 5%``."""
    return f"{source}: {what}: {n:,} of {of:,} {unit} ({n / of:.1%}) > check.{setting} {limit * 100:g}%"


def warnings(found: Health, top: int = 3) -> list[str]:
    """The short summary shown after ``ingest`` and ``build`` and in ``status`` and the report:
    the breaches, then per source its unmapped values (the ``top`` commonest) and the
    resolutions that differ from the source's own."""
    lines = list(found.breaches)
    for source, found_lines in by_source(found, top, breaches=False).items():
        lines += [f"{source}: {line}" for line in found_lines]
    return lines


def by_source(found: Health, top: int = 3, breaches: bool = True) -> dict[str, list[str]]:
    """The lines of :func:`warnings` by source, without the source's name in front."""
    lines: dict[str, list[str]] = {}
    for s in found.sources:
        mine = lines.setdefault(s.source, [])
        prefix = f"{s.source}: "
        if breaches:
            mine += [b.removeprefix(prefix) for b in found.breaches if b.startswith(prefix)]
        for name in ("status", "priority"):
            values = [u for u in found.unmapped if u.source == s.source and u.field == name]
            if values:
                mine.append(_unmapped_line(name, values, top))
        if s.resolved_differs:
            mine.append(
                f"resolved_at differs from the source's own for "
                f"{s.resolved_differs:,} of {s.tickets:,} tickets"
            )
    return {source: found_lines for source, found_lines in lines.items() if found_lines}


def _unmapped_line(name: str, values: list[Unmapped], top: int) -> str:
    """``unmapped status values (events): 'Foo' x3, 'Bar' x1 and 4 more``."""
    shown = ", ".join(f"{u.value!r} x{u.events:,}" for u in values[:top])
    rest = values[0].values - len(values[:top])
    return f"unmapped {name} values (events): {shown}{f' and {rest:,} more' if rest else ''}"
