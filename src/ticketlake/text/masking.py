"""The masks that take personal data out of ticket text before any analysis or output.

The canonical models apply them in SQL: models/canonical/tickets.sql to titles and
descriptions, models/canonical/ticket_comments.sql to comments. So every table the warehouse
holds, on DuckDB and on Spark alike, only ever has masked text. The chain of ``tickets.title``
is the one definition: this module reads the patterns from it, in the order they apply, and
refuses models whose masked columns (:data:`MASKED`) are masked differently. docs/text.md
explains each pattern and what is deliberately left alone (IPv4 addresses, the lake's raw copy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import sqlglot
from sqlglot import exp

from ticketlake.engine import models

MODEL = "tickets"
COLUMNS = ("title", "description")  # the text columns of the canonical model, both masked
# Every masked text column of the canonical models, model -> columns; the first is the
# definition the others must equal.
MASKED = {MODEL: COLUMNS, "ticket_comments": ("comment",)}
TOKENS = {"email": "[email]", "url": "[url]", "phone": "[phone]"}
_TOKEN = re.compile("|".join(re.escape(t) for t in TOKENS.values()))


@dataclass(frozen=True)
class Mask:
    """One pattern (RE2, read alike by Java's regex) and the token that replaces each match."""

    name: str
    pattern: str
    token: str


@cache
def masks() -> tuple[Mask, ...]:
    """The masks of the canonical models, in the order they apply."""
    loaded = models.load()
    chains = {
        f"{name}.{column}": chain
        for name, columns in MASKED.items()
        for column, chain in _chains(loaded[name].sql, columns).items()
    }
    first = chains.get(f"{MODEL}.{COLUMNS[0]}")
    expected = len([c for columns in MASKED.values() for c in columns])
    if not first or len(chains) != expected or len(set(chains.values())) != 1:
        raise models.ModelError(
            f"{', '.join(sorted(chains))}: every one of "
            f"{', '.join(f'{m}.{c}' for m, cs in MASKED.items() for c in cs)} must be masked "
            "by the same regexp_replace calls (ticketlake.text.masking)"
        )
    return first


def _chains(sql: str, columns: tuple[str, ...]) -> dict[str, tuple[Mask, ...]]:
    """Column -> the masks around it, for the ``columns`` a model's SQL gives."""
    tree = sqlglot.parse_one(sql, read=models.DIALECT)
    return {a.alias: _chain(a.this) for a in tree.find_all(exp.Alias) if a.alias in columns}


def _chain(node: exp.Expression) -> tuple[Mask, ...]:
    """The regexp_replace calls wrapped around a column, innermost (first applied) first."""
    found: list[Mask] = []
    while isinstance(node, exp.RegexpReplace):
        token = node.args["replacement"].name
        name = next((n for n, t in TOKENS.items() if t == token), token)
        found.append(Mask(name, node.expression.name, token))
        node = node.this
    return tuple(reversed(found))


def without_tokens(text: str) -> str:
    """``text`` with the masking tokens blanked: they stand for what was there, and are not
    words of the ticket for the analyses that read it (themes, sentiment, language)."""
    return _TOKEN.sub(" ", text)


def sql(column: str) -> str:
    """DuckDB SQL that masks ``column`` as the canonical model does."""
    for mask in masks():
        pattern = mask.pattern.replace("'", "''")
        column = f"regexp_replace({column}, '{pattern}', '{mask.token}', 'g')"
    return column
