"""SQL models: one file per table under ``ticketlake/models/<layer>/``, ordered by what they read.

A model's dependencies are the tables its SQL references, found by parsing it with sqlglot
(DuckDB dialect); nobody keeps the order by hand. References to lake tables and ``cfg_*``
settings tables are inputs, any other reference must be another model.

A model whose header says ``-- grain: ticket`` has one or more rows per (source, ticket_id)
and each ticket's rows depend only on that ticket's events: the warehouse refreshes such a
model incrementally, for the tickets new batches touched. Any other model is recomputed.
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
_GRAIN = re.compile(r"^--\s*grain:\s*(\w+)\s*$", re.MULTILINE)


class ModelError(TicketlakeError):
    """A model that cannot be parsed, references an unknown table or closes a cycle."""


@dataclass(frozen=True)
class Model:
    """One SQL model: the table it produces, its layer, its SQL and what it reads."""

    name: str
    layer: str
    sql: str
    reads: frozenset[str]
    grain: str | None = None

    @property
    def per_ticket(self) -> bool:
        """Whether the model can be refreshed ticket by ticket (``-- grain: ticket``)."""
        return self.grain == "ticket"

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
    reads = {t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes}
    grain = _GRAIN.search(sql)
    return Model(name, layer, sql, frozenset(reads), grain.group(1) if grain else None)


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


def _needed(graph: dict[str, set[str]], name: str) -> set[str]:
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo += graph[current]
    return seen
