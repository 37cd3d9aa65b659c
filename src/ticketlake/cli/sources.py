"""Commands about the lake's sources: ``ingest --reprocess`` and ``source list|rename|drop``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from ticketlake.cli.output import Format, FormatOption, emit, say
from ticketlake.errors import UsageError
from ticketlake.project import Project


def reprocess_report(project: Project, paths: list[Path], source: str | None,
                     mapping: Path | None, wait: float, output: Format) -> None:  # fmt: skip
    """Run ``ingest --reprocess`` and show one row per batch derived again."""
    if paths:
        raise UsageError("--reprocess reads the lake's bronze copies; give --source NAME or "
                         "nothing, not files")  # fmt: skip
    done = project.reprocess(source, mapping, wait)
    rows = []
    for one in done:
        if one.unchanged:
            say(f"{one.source}: already derived with today's mapping and settings; nothing to do")
        for b in one.kept:
            say(f"{one.source}: kept {b.batch_id} ({Path(b.path).name}): it has no bronze copy")
        rows += [{"source": one.source, "file": Path(new.path).name, "superseded": old.batch_id,
                  "batch": new.batch_id, "rows_in": new.rows_in,
                  "loaded": f"{old.rows_loaded:,} -> {new.rows_loaded:,}",
                  "quarantined": f"{old.rows_quarantined:,} -> {new.rows_quarantined:,}"}
                 for old, new in one.pairs]  # fmt: skip
    emit(rows, output, title=f"reprocessed {len(rows)} batch(es)")


app = typer.Typer(help="List, rename, drop and restore the lake's sources.", no_args_is_help=True)
NameArgument = Annotated[str, typer.Argument(help="Source name, as `source list` shows it.")]


@app.command("list")
def list_sources(ctx: typer.Context, output: FormatOption = Format.table) -> None:
    """One line per source: name, formats, files, rows, last batch, and whether it is live or
    dropped (and still restorable)."""
    project: Project = ctx.obj
    rows = [asdict(s) for s in project.sources()]
    if not rows and output is Format.table:
        say("no sources in the lake yet; ingest some files first", stdout=True)
        return
    emit(rows, output, title=f"{len(rows)} source(s)")


@app.command()
def rename(ctx: typer.Context, old: NameArgument,
           new: Annotated[str, typer.Argument(help="New name: a-z, 0-9 and _.")]) -> None:  # fmt: skip
    """Rename a source in one commit (its files are written again under the new name)."""
    project: Project = ctx.obj
    project.rename_source(old, new)
    say(f"renamed source {old} to {new}; the next build rebuilds from the lake", stdout=True)


@app.command()
def drop(ctx: typer.Context, name: NameArgument,
         undo: Annotated[bool, typer.Option("--undo", help="Restore a dropped source "
                                            "(same as `source restore`).")] = False) -> None:  # fmt: skip
    """Drop a source in one commit; `source restore NAME` undoes it until the next build."""
    if undo:
        restore(ctx, name)
        return
    project: Project = ctx.obj
    project.drop_source(name)
    say(f"dropped source {name}; `ticketlake source restore {name}` undoes it until the "
        "next build", stdout=True)  # fmt: skip


@app.command()
def restore(ctx: typer.Context, name: NameArgument) -> None:
    """Bring back a dropped source, in one commit, if no build has run since the drop."""
    project: Project = ctx.obj
    project.restore_source(name)
    say(f"restored source {name}", stdout=True)
