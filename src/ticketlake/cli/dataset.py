"""``ticketlake dataset build``: the offline training set (docs/datasets.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ticketlake.cli.output import Format, FormatOption, emit, say
from ticketlake.kpis import day
from ticketlake.project import Project

app = typer.Typer(
    help="Datasets for models: the offline training set (docs/datasets.md).", no_args_is_help=True
)


@app.command("build")
def build(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Last day (YYYY-MM-DD, local) "
            "the rows, features and labels may read; default: each source's latest "
            "event.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write (default: dataset.path of the configuration)."),
    ] = None,
    output: FormatOption = Format.table,
) -> None:
    """Write the point-in-time training set: a row per open ticket at each local day's end,
    features known then, labels after it, split by time into train, validation and test."""
    project: Project = ctx.obj
    done = project.dataset(day(as_of, "--as-of"), out)
    rows = [
        {
            "split": name,
            "rows": part["rows"],
            "labels_cut_at": part["labels_cut_at"],
            "from": part["from"],
            "to": part["to"],
        }
        for name, part in done.manifest["splits"].items()
    ]
    emit(rows, output, title=f"dataset ({done.rows} rows)")
    for source, tickets in done.manifest["sources_without_states"].items():
        say(
            f"note: source {source!r} ({tickets} tickets) has no states in its events, so no "
            "ticket of it is ever open: it has no rows"
        )
    say(str(done.file), stdout=True)
