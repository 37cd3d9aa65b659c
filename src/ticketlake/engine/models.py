"""SQL models: one file per table under ``ticketlake/models/<layer>/``, ordered by what they read.

A model's dependencies are the tables its SQL references, found by parsing it with sqlglot
(DuckDB dialect); nobody keeps the order by hand. References to lake tables and ``cfg_*``
settings tables are inputs, any other reference must be another model.

A model whose header says ``-- grain: ticket`` has one or more rows per (source, ticket_id)
and each ticket's rows depend only on that ticket's events: the warehouse refreshes such a
model incrementally, for the tickets new batches touched. A model whose header says
``-- grain: day`` (key column ``day``; ``day(column)`` names another) or ``-- grain:
week(column)`` (keyed by the Monday of an ISO week) has rows keyed by a day, each computed
from the input rows that fall on that day; its ``-- days:`` lines say, per input, on which
days a row of it falls (see :class:`Days`), and the warehouse refreshes the days whose input
rows changed (engine/days.py). Any other model is recomputed.
"""

from __future__ import annotations

import graphlib
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

import sqlglot
from sqlglot import exp

from ticketlake.engine import inputs
from ticketlake.engine.dialect import to_spark
from ticketlake.errors import TicketlakeError

DIALECT = "duckdb"
# Tables the lake provides to models (see lake/lake.py ``create_views``).
LAKE_TABLES = frozenset(
    {"ticket_events", "ticket_links", "ticket_sightings", "quarantine", "ledger"}
)
INPUT_TABLES = LAKE_TABLES | inputs.NAMES
CALENDAR = "dim_date"  # the model with a row per day; open spans run to its last day
KEYS = {"ticket": None, "day": "day", "week": "week_start"}  # each grain's default key column
_GRAIN = re.compile(r"^--\s*grain:\s*(\w+)\s*(?:\(\s*(\w+)\s*\))?\s*$", re.MULTILINE)
_DAYS = re.compile(r"^--\s*(days|every day):(.*)$", re.MULTILINE)
_INPUT = re.compile(r"(\w+)\s*\(([^)]*)\)")
_SPAN = re.compile(r"^(\w+)\s*\.\.\s*(\w*)$")


class ModelError(TicketlakeError):
    """A model that cannot be parsed, references an unknown table or closes a cycle."""


@dataclass(frozen=True)
class Days:
    """On which days the rows of one input of a day-keyed model fall (``-- days: table(...)``).

    A row falls on the day of each point column (``created_date``; a NULL day is a day too),
    and on every day a span (``event_time .. next_event_time``) may cover: the model counts
    the row on day d when start <= t < end for an instant t of local day d in some zone (from
    14 hours before d 00:00 UTC to 36 hours after it, such as d's backlog cut-off); a NULL start covers no day, a NULL or missing end (``a ..``)
    never ends, so the span runs to the calendar's last day. ``every`` (``-- every day:
    table(source)``) names columns whose each value has a row on every day: one appearing or
    vanishing changes every day. The model's rows for day d must depend on nothing else.
    """

    table: str
    points: tuple[str, ...] = ()
    spans: tuple[tuple[str, str | None], ...] = ()
    every: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the declaration names."""
        spans = [c for span in self.spans for c in span if c]
        return tuple(dict.fromkeys([*self.points, *spans, *self.every]))


@dataclass(frozen=True)
class Model:
    """One SQL model: the table it produces, its layer, its SQL and what it reads."""

    name: str
    layer: str
    sql: str
    reads: frozenset[str]
    grain: str | None = None
    key: str | None = None  # the day column of a day- or week-keyed model
    days: tuple[Days, ...] = ()

    @property
    def per_ticket(self) -> bool:
        """Whether the model can be refreshed ticket by ticket (``-- grain: ticket``)."""
        return self.grain == "ticket"

    @property
    def per_day(self) -> bool:
        """Whether the model's rows are keyed by a day or a week (``-- grain: day|week``)."""
        return self.grain in ("day", "week")

    def days_of(self, table: str) -> Days | None:
        """How rows of ``table`` fall on days, if the header says."""
        return next((d for d in self.days if d.table == table), None)

    @property
    def digest(self) -> str:
        """A fingerprint of the model's SQL; a change forces a full rebuild of the model."""
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def transpile(self, dialect: str) -> str:
        """The model's SQL in another dialect; Spark gets the rewrites of engine/dialect.py."""
        if dialect == "spark":
            return to_spark(self.sql)
        return sqlglot.transpile(self.sql, read=DIALECT, write=dialect, pretty=True)[0]


def parse(name: str, layer: str, sql: str) -> Model:
    """A model from its SQL text; raises :class:`ModelError` when it does not parse."""
    try:
        tree = sqlglot.parse_one(sql, read=DIALECT)
    except sqlglot.errors.ParseError as exc:
        raise ModelError(
            f"model {layer}/{name}.sql does not parse: {exc}".splitlines()[0]
        ) from None
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    reads = frozenset(t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes)
    where = f"model {layer}/{name}.sql"
    grain, key = _grain(sql, where)
    days = _days(sql, where)
    model = Model(name, layer, sql, reads, grain, key, days)
    _check_header(model, where)
    return model


def _grain(sql: str, where: str) -> tuple[str | None, str | None]:
    """The ``-- grain:`` of a model and its key column."""
    found = _GRAIN.search(sql)
    if found is None:
        return None, None
    grain, key = found.group(1), found.group(2)
    if grain not in KEYS or (key and grain == "ticket"):
        raise ModelError(
            f"{where}: unknown grain {found.group(0)[2:].strip()!r}; "
            "use ticket, day, day(column) or week(column)"
        )
    return grain, key or KEYS[grain]


def _days(sql: str, where: str) -> tuple[Days, ...]:
    """The ``-- days:`` and ``-- every day:`` declarations, one :class:`Days` per input."""
    found: dict[str, Days] = {}
    for kind, body in _DAYS.findall(sql):
        if _INPUT.sub("", body).replace(",", "").strip() or not _INPUT.search(body):
            raise ModelError(
                f"{where}: cannot read '-- {kind}:{body}'; write table(column, start .. end), ..."
            )
        for table, items in _INPUT.findall(body):
            old = found.get(table, Days(table))
            found[table] = _add(old, kind, [i.strip() for i in items.split(",")], where)
    return tuple(found.values())


def _add(days: Days, kind: str, items: list[str], where: str) -> Days:
    """``days`` with the points, spans or every-day columns of one declaration added."""
    points, spans, every = list(days.points), list(days.spans), list(days.every)
    for item in items:
        span = _SPAN.match(item)
        if kind == "every day" and item.isidentifier():
            every.append(item)
        elif kind == "days" and span:
            spans.append((span.group(1), span.group(2) or None))
        elif kind == "days" and item.isidentifier():
            points.append(item)
        else:
            raise ModelError(
                f"{where}: {item!r} in '-- {kind}: {days.table}(...)' is not a "
                "column or a span 'start .. end'"
            )
    return Days(days.table, tuple(points), tuple(spans), tuple(every))


def _check_header(model: Model, where: str) -> None:
    """Day declarations only on a day-keyed model, for tables it reads; spans need the
    calendar, which bounds them."""
    for days in model.days:
        if not model.per_day:
            raise ModelError(f"{where}: '-- days:' needs '-- grain: day' or 'week'")
        if days.table not in model.reads:
            raise ModelError(f"{where}: '-- days:' names {days.table}, which it does not read")
        if days.spans and CALENDAR not in model.reads:
            raise ModelError(
                f"{where}: a span in '-- days:' runs to the last day of "
                f"{CALENDAR}, which it does not read"
            )


@cache
def load() -> dict[str, Model]:
    """Every packaged model by name."""
    root = files("ticketlake.models")
    found: dict[str, Model] = {}
    for layer in sorted(_dirs(root), key=lambda d: d.name):
        for item in sorted(layer.iterdir(), key=lambda f: f.name):
            if item.name.endswith(".sql"):
                model = parse(item.name.removesuffix(".sql"), layer.name, item.read_text("utf-8"))
                if model.name in found:
                    raise ModelError(f"two models produce {model.name}")
                found[model.name] = model
    return found


def _dirs(root: Traversable) -> list[Traversable]:
    return [d for d in root.iterdir() if d.is_dir() and not d.name.startswith("_")]


def order(models: dict[str, Model], select: str | None = None) -> list[Model]:
    """Models in dependency order; with ``select``, that model and what it needs."""
    graph: dict[str, set[str]] = {}
    for model in models.values():
        unknown = sorted(model.reads - INPUT_TABLES - set(models))
        if unknown:
            raise ModelError(f"model {model.name} reads {unknown[0]}, which is neither a model "
                             "nor an input table")  # fmt: skip
        graph[model.name] = set(model.reads & set(models))
        _check_days(model, models)
    if select is not None:
        if select not in models:
            raise ModelError(f"no model named {select!r}; models: {', '.join(sorted(models))}")
        graph = {n: graph[n] for n in _needed(graph, select)}
    try:
        names = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        raise ModelError(
            f"models depend on each other in a cycle: {' -> '.join(exc.args[1])}"
        ) from None
    return [models[n] for n in names]


def _check_days(model: Model, catalog: dict[str, Model]) -> None:
    """A day declaration names a per-ticket model (its rows compared before and after a
    refresh) or a day-keyed one by its key (the days it refreshed)."""
    for days in model.days:
        source = catalog.get(days.table)
        if source is None or not (source.per_ticket or source.grain == "day"):
            raise ModelError(
                f"model {model.name}: '-- days:' names {days.table}, which is "
                "neither a 'grain: ticket' nor a 'grain: day' model"
            )
        by_key = Days(days.table, (str(source.key),))
        if source.grain == "day" and days != by_key:
            raise ModelError(
                f"model {model.name}: write '-- days: {days.table}({source.key})'"
                f", the day {days.table} is keyed by"
            )


def _needed(graph: dict[str, set[str]], name: str) -> set[str]:
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo += graph[current]
    return seen
