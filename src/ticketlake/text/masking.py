"""The masks that take personal data out of ticket text before any analysis or output.

The canonical model (models/canonical/tickets.sql) applies them in SQL, so every table the
warehouse holds, on DuckDB and on Spark alike, only ever has masked titles and descriptions.
That SQL is the one definition: this module reads the patterns from it, in the order they
apply, and refuses a model whose title and description are masked differently. docs/text.md
explains each pattern and what is deliberately left alone (IPv4 addresses, the lake's raw copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sqlglot
from sqlglot import exp

from ticketlake.engine import models

MODEL = "tickets"
COLUMNS = ("title", "description")  # the text columns of the canonical model, both masked
TOKENS = {"email": "[email]", "url": "[url]", "phone": "[phone]"}


@dataclass(frozen=True)
class Mask:
    """One pattern (RE2, read alike by Java's regex) and the token that replaces each match."""

    name: str
    pattern: str
    token: str


@cache
def masks() -> tuple[Mask, ...]:
    """The masks of the canonical model, in the order they apply."""
    tree = sqlglot.parse_one(models.load()[MODEL].sql, read=models.DIALECT)
    chains = {a.alias: _chain(a.this) for a in tree.find_all(exp.Alias) if a.alias in COLUMNS}
    if len(chains) != len(COLUMNS) or len(set(chains.values())) != 1 or not chains["title"]:
        raise models.ModelError(
            f"model {MODEL}: {' and '.join(COLUMNS)} must be masked by the same "
            "regexp_replace calls (ticketlake.text.masking)"
        )
    return chains["title"]


def _chain(node: exp.Expression) -> tuple[Mask, ...]:
    """The regexp_replace calls wrapped around a column, innermost (first applied) first."""
    found: list[Mask] = []
    while isinstance(node, exp.RegexpReplace):
        token = node.args["replacement"].name
        name = next((n for n, t in TOKENS.items() if t == token), token)
        found.append(Mask(name, node.expression.name, token))
        node = node.this
    return tuple(reversed(found))


def sql(column: str) -> str:
    """DuckDB SQL that masks ``column`` as the canonical model does."""
    for mask in masks():
        pattern = mask.pattern.replace("'", "''")
        column = f"regexp_replace({column}, '{pattern}', '{mask.token}', 'g')"
    return column
