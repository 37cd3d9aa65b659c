"""Commands that write or read the lake: ingest, replay, status, verify and quarantine."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from typer.exceptions import Exit

from ticketlake.cli import health, ledger
from ticketlake.cli.output import Format, FormatOption, emit, err, error, say, working
from ticketlake.cli.progress import stages
from ticketlake.cli.sources import reprocess_report
from ticketlake.errors import UsageError
from ticketlake.ingest.pipeline import Outcome
from ticketlake.project import Project

SourceFormatOption = Annotated[
    str, typer.Option("--format", help="Source format: auto, tickets, snapshots, servicenow, "
                                       "servicenow-table, xes, eventlog, interactions or json.")]  # fmt: skip
MappingOption = Annotated[
    Path | None, typer.Option("--mapping", help="YAML file mapping canonical fields to columns.")
]
SourceOption = Annotated[
    str | None, typer.Option("--source", help="Use this source from ticketlake.yml.")
]
OutputOption = Annotated[
    Format,
    typer.Option(
        "--output", "-o", help="Output format (CSV is formula-safe).", case_sensitive=False
    ),
]
WaitOption = Annotated[
    float, typer.Option("--wait", help="Seconds to wait for another ingest to finish.")
]


def _run(project: Project, paths: list[Path], fmt: str, mapping: Path | None, source: str | None,
         wait: float, rehash: bool = False) -> Outcome:  # fmt: skip
    with stages("ingesting") as watch:
        return project.ingest(paths, fmt, mapping, source, watch.rows, wait, on_wait=say,
                              rehash=rehash, on_file=watch.file)  # fmt: skip


def _report(outcome: Outcome, output: Format, title: str, ctx: typer.Context) -> None:
    for path, chosen in outcome.chosen:
        say(f"auto: {path} read as {chosen}")
    for _path, why in outcome.ignored:
        say(f"ignored: {why}")
    rows = [{"file": Path(b.path).name, "source": b.source, "format": b.format, "status": b.status,
             "rows_in": b.rows_in, "loaded": b.rows_loaded, "quarantined": b.rows_quarantined,
             "duplicates": b.duplicates, "batch": b.batch_id, "reason": b.reason}
            for b in outcome.batches]  # fmt: skip
    emit(rows, output, title=title)
    health.summary(ctx)
    fail_on([b.reason for b in outcome.failed])


def fail_on(reasons: list[str]) -> None:
    """Print why each failed batch failed (``reasons``), one line each, and exit 1 if there
    is any."""
    for reason in reasons:
        error(reason)
    if reasons:
        raise Exit(1)


def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(help="Files, gzip files or folders.")] = None,
    fmt: SourceFormatOption = "auto",
    mapping: MappingOption = None,
    source: SourceOption = None,
    wait: WaitOption = 600.0,
    rehash: Annotated[bool, typer.Option("--rehash", help="Hash every file, even those whose "
                      "path, size and modification time match a loaded batch.")] = False,
    again: Annotated[bool, typer.Option("--reprocess", help="Derive loaded sources (or --source) "
                     "again from their bronze copies with today's mapping and settings.")] = False,
    output: OutputOption = Format.table,
) -> None:  # fmt: skip
    """Load exports into the lake; files already loaded are skipped."""
    project: Project = ctx.obj
    if again:
        if fmt != "auto" or rehash:
            raise UsageError("--reprocess reads the format and content each batch recorded; "
                             "it takes no --format or --rehash")  # fmt: skip
        reprocess_report(project, paths or [], source, mapping, wait, output)
        return
    outcome = _run(project, paths or [], fmt, mapping, source, wait, rehash)
    _report(outcome, output, "ingest", ctx)


_DAY = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


def replay(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Folder of daily files (dates in their names).")],
    start: Annotated[str, typer.Option("--from", help="First day to feed, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day to feed, YYYY-MM-DD.")],
    fmt: SourceFormatOption = "auto",
    mapping: MappingOption = None,
    source: SourceOption = None,
    wait: WaitOption = 600.0,
    output: OutputOption = Format.table,
) -> None:  # fmt: skip
    """Feed a folder's daily files one day at a time, as if they arrived live."""
    project: Project = ctx.obj
    first, last = _day(start, "--from"), _day(end, "--to")
    days = _files_by_day(path, first, last)
    if not days:
        raise UsageError(f"{path}: no files dated between {first} and {last}")
    combined = Outcome()
    for day, files in days:
        say(f"day {day}: {len(files)} file(s)")
        one = _run(project, files, fmt, mapping, source, wait)
        combined.batches += one.batches
        combined.chosen += one.chosen
    _report(combined, output, f"replay {first} to {last}", ctx)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {text!r}", param_hint=option) from None


def _files_by_day(folder: Path, first: date, last: date) -> list[tuple[date, list[Path]]]:
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder")
    found: dict[date, list[Path]] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        match = _DAY.search(path.name)
        if not match:
            continue
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
        if first <= day <= last:
            found.setdefault(day, []).append(path)
    return sorted(found.items())


def verify(ctx: typer.Context, output: FormatOption = Format.table) -> None:
    """Check every lake file against the manifest: size, SHA-256 and rows.

    Prints one line per damaged file and exits 1 if there is any; files no manifest names
    are listed as orphans and kept. On S3 it checks the local cache's copies (fetching those
    that differ again) and each object's size in the bucket."""
    project: Project = ctx.obj
    with _file_progress() as update:
        result = project.verify(update)
    if output is Format.table:
        for finding in result.findings:
            typer.echo(finding.line())
        typer.echo(result.summary())
    elif output is Format.json:
        sys.stdout.write(json.dumps(result.as_dict(), indent=2) + "\n")
    else:
        emit([asdict(f) for f in result.findings], output)
    if not result.ok:
        raise Exit(1)


@contextmanager
def _file_progress() -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (only on a terminal): files checked of all."""
    columns = (TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("verify", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def quarantine(
    ctx: typer.Context,
    batch: Annotated[str | None, typer.Option("--batch", help="Only rows of this batch.")] = None,
    released: Annotated[bool, typer.Option("--all", help="Include rows a retry has loaded since.")] = False,
    again: Annotated[bool, typer.Option("--retry", help="Re-validate open rows with today's mapping "
                                                        "and settings; load those that now pass.")] = False,
    mapping: MappingOption = None,
    full: Annotated[bool, typer.Option("--full", help="Every field of each row, its raw text "
                                                      "whole (default: one line per row).")] = False,
    output: FormatOption = Format.table,
) -> None:  # fmt: skip
    """List rows kept out of the lake, one line each: file and line, reason, raw text."""
    project: Project = ctx.obj
    if again:
        done = project.retry_quarantine(
            [ledger.full_batch(project, batch)] if batch else [], mapping
        )
        rows = [{"retry": b.batch_id, "of": ",".join(b.retry_of), "rows": b.rows_in,
                 "loaded": b.rows_loaded, "still_quarantined": b.rows_quarantined} for b in done]  # fmt: skip
        emit(rows, output, title=f"retried {len(done)} batch(es)")
        return
    ledger.quarantined(project, batch, released, full, output)


def build(
    ctx: typer.Context,
    select: Annotated[str | None, typer.Option("--select", help="Build one model and what it needs.")] = None,
    full: Annotated[bool, typer.Option("--full", help="Recompute every model from the whole lake.")] = False,
) -> None:  # fmt: skip
    """Refresh the warehouse incrementally (or --full) and publish it as a new snapshot."""
    project: Project = ctx.obj
    with working("building") as update:
        done = project.build(select, full, on_model=lambda name: update(f"building {name}"))
    say(
        f"built {len(done.modes)} models ({done.summary()}) from lake version "
        f"{done.lake_version} into {done.path}"
    )
    health.summary(ctx)


def query(
    ctx: typer.Context,
    sql: Annotated[str, typer.Argument(help="One SELECT (DuckDB dialect) on the warehouse's tables.")],
    output: FormatOption = Format.table,
) -> None:  # fmt: skip
    """Run one SELECT on the current warehouse snapshot; it can read nothing else.

    Any other statement (PRAGMA, COPY, ATTACH, SET, several statements) is refused. At most
    query.max_rows rows are shown, and a query stops after query.timeout_seconds.
    """
    project: Project = ctx.obj
    found = project.query(sql, capped=True)
    emit(
        [dict(zip(found.columns, row, strict=True)) for row in found.rows],
        output,
        empty="query: nothing matched (0 rows)",
    )
    if found.cut:
        err.print(f"showing the first {len(found.rows):,} rows; set query.max_rows or add LIMIT",
                  highlight=False)  # fmt: skip
