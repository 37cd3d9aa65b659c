"""``ticketlake lifecycle`` and ``ticketlake flow``: readable summaries of the lifecycle and
process-flow models (docs/metrics.md defines every figure)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated, Any

import pyarrow as pa
import typer

from ticketlake.cli.output import Format, FormatOption, emit
from ticketlake.project import Project

SourceFilter = Annotated[str | None, typer.Option("--source", help="Show one source only.")]
TopOption = Annotated[
    int, typer.Option("--top", min=1, help="Transitions and variants shown per source.")
]


class Slice(StrEnum):
    """Dimensions the lifecycle figures can be broken down by."""

    priority = "priority"
    customer = "customer"
    group = "group"


BAR_WIDTH = 30


def lifecycle(ctx: typer.Context, source: SourceFilter = None,
              by: Annotated[Slice | None, typer.Option("--by", help="Also per priority, customer or group.")] = None,
              output: FormatOption = Format.table) -> None:  # fmt: skip
    """How long tickets live, how often they change, and how late the system records changes."""
    project: Project = ctx.obj
    parts = project.lifecycle(source, by.value if by else None)
    if _as_document(parts, output):
        return
    if by is None:
        emit(_per_source(parts["summary"], output), output,
             title="lifecycle per source (hours; lag in seconds)")  # fmt: skip
    else:
        emit(parts["summary"].to_pylist(), output, title=f"lifecycle per source and {by.value}")
    for (src, measure, value), rows in _groups(parts["distributions"].to_pylist()).items():
        label = f"{src}: {measure}" + (f" ({by.value} {value})" if by else "")
        emit(_bars(rows), output, title=f"{label} (histogram, ~ kernel density)")


def flow(
    ctx: typer.Context,
    source: SourceFilter = None,
    top: TopOption = 10,
    output: FormatOption = Format.table,
) -> None:
    """Time in status, transitions, handoffs, ping-pong, tiered-support conformance, variants."""
    project: Project = ctx.obj
    parts = project.flow(source, top)
    if _as_document(parts, output):
        return
    titles = {"summary": "process flow per source (hours)", "time_in_status": "time in status (hours)",
              "transitions": f"top {top} transitions", "variants": f"top {top} variants"}  # fmt: skip
    for name, table in parts.items():
        rows = _per_source(table, output) if name == "summary" else table.to_pylist()
        emit(rows, output, title=titles[name])


def _as_document(parts: dict[str, pa.Table], output: Format) -> bool:
    """With ``--format json``, print every part as one JSON document and say so."""
    if output is not Format.json:
        return False
    document = {name: table.to_pylist() for name, table in parts.items()}
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")
    return True


def _per_source(table: pa.Table, output: Format) -> list[dict[str, Any]]:
    """A one-row-per-source summary; on screen turned so each figure is a row and each
    source a column, which stays readable in 80 columns."""
    rows: list[dict[str, Any]] = table.to_pylist()
    if output is not Format.table:
        return rows
    figures = [c for c in table.column_names if c != "source"]
    return [{"figure": f, **{r["source"]: r[f] for r in rows}} for f in figures]


def _groups(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["source"], row["measure"], row["value"]), []).append(row)
    return groups


def _bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Histogram rows with a bar for the count and a marker where the density curve is."""
    peak = max([r["values_in_bin"] for r in rows] + [r["kde_count"] or 0 for r in rows] + [1])
    out = []
    for r in rows:
        bar = list("█" * round(BAR_WIDTH * r["values_in_bin"] / peak))
        bar += [" "] * (BAR_WIDTH + 1 - len(bar))
        if r["kde_count"] is not None:
            bar[min(BAR_WIDTH, round(BAR_WIDTH * r["kde_count"] / peak))] = "•"
        out.append({"from": r["bin_start"], "to": r["bin_end"], "count": r["values_in_bin"],
                    "density_count": r["kde_count"], "": "".join(bar).rstrip()})  # fmt: skip
    return out
