"""What every list of the API shares: pages, JSON values and ``where=COLUMN=VALUE`` filters.

A list answers ``{"build", "total", "offset", "limit", "next", "rows"}``: ``total`` rows
matched, ``rows`` holds at most ``limit`` of them from ``offset`` on, and ``next`` is the
offset of the next page (null on the last). Values are written as ``ticketlake ... --format
json`` writes them (dates and times as text, ``str`` of anything JSON has no type for), so
the API's rows equal the CLI's.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Annotated, Any

import pyarrow as pa
from fastapi import Query
from pydantic import BaseModel, Field

from ticketlake.errors import UsageError

MAX_LIMIT = 1000
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page (at most 1000).")]
Offset = Annotated[int, Query(ge=0, le=2**31, description="Rows to skip.")]
Where = Annotated[list[str] | None, Query(description="Keep rows with COLUMN=VALUE (repeatable).")]


class Page(BaseModel):
    """One page of a list, read from one build."""

    build: str = Field(description="The published build the rows were read from.")
    total: int = Field(description="Rows that matched, on every page.")
    offset: int = Field(description="Rows skipped before this page.")
    limit: int = Field(description="Most rows a page holds.")
    next: int | None = Field(description="The offset of the next page; null on the last.")
    rows: list[dict[str, Any]] = Field(description="The rows of this page.")


def plain(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with the values ``--format json`` prints (and no NaN, which JSON lacks)."""
    encoded: list[dict[str, Any]] = json.loads(json.dumps(list(rows), default=str))
    return [{k: _finite(v) for k, v in row.items()} for row in encoded]


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def page(build: str, rows: Sequence[dict[str, Any]], limit: int, offset: int,
         total: int | None = None, **extra: Any) -> dict[str, Any]:  # fmt: skip
    """A page holding ``rows`` (the whole list, or with ``total`` the page already cut)."""
    count = len(rows) if total is None else total
    shown = rows[offset : offset + limit] if total is None else rows
    after = offset + len(shown)
    return {"build": build, "total": count, "offset": offset, "limit": limit,
            "next": after if after < count else None, "rows": plain(shown), **extra}  # fmt: skip


def table_page(
    build: str, table: pa.Table, limit: int, offset: int, **extra: Any
) -> dict[str, Any]:
    """A page of an Arrow table's rows."""
    return page(build, table.slice(offset, limit).to_pylist(), limit, offset, table.num_rows,
                **extra)  # fmt: skip


def pairs(where: Sequence[str] | None) -> dict[str, str]:
    """``["source=helpdesk", ...]`` as ``{"source": "helpdesk"}``; a bad one is a 400."""
    found = {}
    for text in where or ():
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"where expects NAME=VALUE, got {text!r}")
        found[name.strip()] = value
    return found
