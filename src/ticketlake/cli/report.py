"""``ticketlake report``: the HTML report with its charts, and each chart as a PNG file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ticketlake.cli.output import err, say
from ticketlake.kpis import day
from ticketlake.project import Project


def report(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder to write report.html "
                   "and png/SOURCE/CHART.png into (default: report/ in the project).")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD "
                     "(default: 27 days before --to).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (default: the "
                   "last day a ticket was created, resolved or closed).")] = None,
) -> None:  # fmt: skip
    """Write a self-contained HTML report (summary against the previous period, charts per
    source) and every chart as a PNG; prints the path of report.html (docs/report.md)."""
    project: Project = ctx.obj
    with _charting() as progress:
        done = project.report(out, day(start, "--from"), day(end, "--to"), progress)
    say(
        f"{done.period.label()}: {len(done.drawn)} charts for {len(done.sources)} "
        f"sources, {len(done.omitted)} left out as empty (the report says why); "
        f"PNG files in {done.html.parent / 'png'}"
    )
    typer.echo(str(done.html))


@contextmanager
def _charting() -> Iterator[Any]:
    """A progress bar on stderr (only on a terminal): charts drawn out of all."""
    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True,
                  disable=not err.is_terminal) as bar:  # fmt: skip
        task = bar.add_task("charts", total=None)

        def update(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=label)

        yield update
