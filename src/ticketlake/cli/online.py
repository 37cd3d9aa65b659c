"""``ticketlake online push|get|top``: the online slice in Redis (docs/online.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ticketlake.cli.output import Format, FormatOption, emit, working
from ticketlake.errors import TicketlakeError
from ticketlake.project import Project

# A ticket as `top` prints it in a table; --format json gives whole values.
BRIEF = (
    "source",
    "ticket_id",
    "last_event_at",
    "priority",
    "group_name",
    "status",
    "assignee",
    "title",
)

app = typer.Typer(
    help="The online slice in Redis: the most recently updated open tickets "
    "with their state and SLA clocks.",
    no_args_is_help=True,
)

SourceOption = Annotated[str | None, typer.Option("--source", help="Only this source.")]


class NotInSliceError(TicketlakeError):
    """The ticket asked for is not in the online slice."""


@app.command()
def push(ctx: typer.Context, output: FormatOption = Format.table) -> None:
    """Write the current build's slice to Redis as a new generation, swapped in atomically."""
    project: Project = ctx.obj
    with working("pushing the online slice"):
        pushed = project.online_push()
    rows = [{"source": s, "tickets": n} for s, n in pushed.tickets.items()]
    emit(
        rows,
        output,
        title=f"generation {pushed.generation} ({pushed.encoding} values): "
        f"{sum(pushed.tickets.values()):,} tickets in {pushed.round_trips} round trips, "
        f"{pushed.seconds:.2f} s",
        empty="online slice pushed: no open tickets",
    )


@app.command()
def get(
    ctx: typer.Context,
    ticket_id: Annotated[str, typer.Argument(metavar="ID", help="The ticket's id.")],
    source: SourceOption = None,
    output: FormatOption = Format.json,
) -> None:
    """One ticket as the slice holds it (one value per source that has the id)."""
    project: Project = ctx.obj
    found = project.online_get(ticket_id, source)
    if not found:
        where = f" of source {source}" if source else ""
        raise NotInSliceError(f"ticket {ticket_id}{where} is not in the online slice")
    emit(found if output is Format.json else [_flat(v) for v in found], output)


@app.command()
def top(
    ctx: typer.Context,
    group: Annotated[
        str | None, typer.Option("--group", help="Only this assignment group.")
    ] = None,
    priority: Annotated[str | None, typer.Option("--priority", help="Only this priority.")] = None,
    source: SourceOption = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=10_000, help="Tickets to show.")
    ] = 20,
    output: FormatOption = Format.table,
) -> None:
    """The most recently updated tickets of the slice, newest first."""
    project: Project = ctx.obj
    found = project.online_top(group, priority, source, limit)
    if output is Format.json:
        emit(found, output)
        return
    emit(
        [{k: v.get(k) for k in BRIEF} for v in found],
        output,
        title=f"online slice: {len(found)} most recently updated",
        empty="nothing matched",
    )


def _flat(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested value as one row: ``sla.response.stage`` and so on."""
    row: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            row |= _flat(item, f"{prefix}{key}.")
        else:
            row[f"{prefix}{key}"] = item
    return row
