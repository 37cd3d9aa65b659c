"""``ticketlake sla``: SLA attainment per policy and metric, or the at-risk queue
(docs/sla.md gives the rules, docs/metrics.md#sla_attainment and #sla_at_risk the figures)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ticketlake.cli.output import Format, FormatOption, emit
from ticketlake.project import Project

# The queue's columns as printed: business time left in hours rather than seconds.
QUEUE = ("source", "ticket_id", "policy", "metric", "priority", "group_name", "stage", "risk",
         "percent_elapsed", "hours_left", "due_at")  # fmt: skip


def sla(
    ctx: typer.Context,
    policy: Annotated[str | None, typer.Option("--policy", help="Show one SLA policy only.")] = None,
    at_risk: Annotated[bool, typer.Option("--at-risk", help="List the running clocks at 50% "
                       "of their target or more (50-75, 75-90, 90-100, breached).")] = False,
    output: FormatOption = Format.table,
) -> None:  # fmt: skip
    """SLA attainment per policy and metric (business time, pauses), or the at-risk queue."""
    project: Project = ctx.obj
    rows = project.sla(policy, at_risk).to_pylist()
    if not at_risk:
        emit(rows, output, title="SLA attainment per policy and metric (clocks)",
             empty="sla: nothing matched (no SLA clock has an outcome yet)")  # fmt: skip
        return
    emit([_queued(r) for r in rows], output,
         title="SLA at-risk queue (running clocks at 50% of their target or more)",
         empty="sla: nothing matched (no running clock has used half of its target)")  # fmt: skip


def _queued(row: dict[str, Any]) -> dict[str, Any]:
    """One clock of the queue as printed."""
    hours = {"hours_left": row["seconds_left"] / 3600.0}
    return {name: hours[name] if name in hours else row[name] for name in QUEUE}
