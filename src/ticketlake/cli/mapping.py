"""``ticketlake map``: column mappings of an export; ``map suggest`` proposes one to review."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ticketlake.cli.lake import SourceFormatOption
from ticketlake.cli.output import say
from ticketlake.errors import UsageError
from ticketlake.project import Project

app = typer.Typer(
    name="map",
    help="Column mappings of an export: suggest one to review.",
    no_args_is_help=True,
)


@app.command()
def suggest(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV, JSON or JSON-lines export to profile.")],
    fmt: SourceFormatOption = "auto",
    out: Annotated[Path | None, typer.Option("--out", help="Write the YAML to this file instead of standard output.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --out file if it exists.")] = False,
) -> None:  # fmt: skip
    """Profile FILE's columns and write a sources: entry, statuses and priority aliases for
    ticketlake.yml. Unmatched columns and values are listed in comments with their counts."""
    project: Project = ctx.obj
    if out is not None and out.exists() and not force:
        raise UsageError(f"{out} exists; give --force to overwrite it")
    text = project.suggest_mapping(file, fmt)
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    say(f"wrote {out}", stdout=True)
