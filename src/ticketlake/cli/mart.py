"""Commands on the warehouse: run (the daily job), kpis, tables and export."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ticketlake import jobs
from ticketlake import kpis as catalog
from ticketlake.cli import health, screen
from ticketlake.cli.lake import WaitOption, fail_on
from ticketlake.cli.output import Format, FormatOption, emit, say
from ticketlake.cli.progress import stages
from ticketlake.errors import UsageError
from ticketlake.project import Project


def run(ctx: typer.Context, wait: WaitOption = 600.0, output: FormatOption = Format.table) -> None:
    """The daily job: ingest every configured source, refresh the warehouse, write the report
    and check mapping health (the steps of job.steps; docs/flow.md). No Prefect needed."""
    project: Project = ctx.obj
    with stages("ingesting") as watch:
        hooks = jobs.Hooks(watch.rows, watch.file, wait)
        done = jobs.run(project, hooks, on_step=lambda step: _said(ctx, step, output))
    fail_on([reason for step in done for reason in step.result.get("failed", [])])


def _said(ctx: typer.Context, step: jobs.StepRun, output: Format) -> None:
    """What ``run`` prints as a step ends: the ingest table on stdout, one line for the
    others on stderr, and the health warnings after ``check``."""
    result = step.result
    if step.step == "ingest":
        rows = [{"source": name, **counts} for name, counts in result["sources"].items()]
        emit(rows, output, title="run")
    elif step.step == "build":
        built = f"{result['models']} models ({result['modes']})"
        say(f"built {built} from lake version {result['lake_version']}")
    elif step.step == "check":
        health.show(ctx, result["warnings"])
    else:
        say(f"{step.step}: {step.row()['result']}")


def kpis(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="KPI to print; omit to list them all.")] = None,
    by: Annotated[list[str] | None, typer.Option("--by", help="Break down by this dimension "
                  "(repeat for several): day, week, month, source, priority, group, agent, "
                  "label, ...; by label a ticket counts once per label.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    where: Annotated[list[str] | None, typer.Option("--where", help="Keep rows with DIM=VALUE "
                     "(repeatable), e.g. --where source=helpdesk.")] = None,
    output: FormatOption = Format.table,
) -> None:  # fmt: skip
    """List the KPIs with their definitions, or print one (docs/metrics.md defines each).

    The KPIs counted over tickets also slice by label (--by label, --where label=X): a ticket
    counts once under each of its current labels, tickets without labels under "(none)", and
    a note on standard error (and in --format json, whose output is then an object with
    "notes" and "rows") says how many tickets have more than one."""
    project: Project = ctx.obj
    if name is None:
        rows = [{"kpi": k.name, "unit": k.unit, "definition": k.summary, "table": k.table,
                 "by": ", ".join(k.by_names()) if not k.fixed else "(fixed grain)"}
                for k in catalog.CATALOG.values()]  # fmt: skip
        emit(rows, output, title="KPIs (ticketlake kpis NAME --by DIM --from DATE --to DATE)")
        return
    filters = dict(_pair(w) for w in where or [])
    first, last = catalog.day(start, "--from"), catalog.day(end, "--to")
    table = project.kpi(name, by, first, last, **filters)
    notes = project.kpi_notes(name, by, first, last, **filters)
    kpi = catalog.get(name)
    if output is Format.json and notes:  # the rows with what they need to be read right
        document = {"notes": notes, "rows": table.to_pylist()}
        sys.stdout.write(json.dumps(document, indent=2, default=str, ensure_ascii=False) + "\n")
    else:
        emit(
            table.to_pylist(),
            output,
            title=f"{kpi.name} ({kpi.unit}): {kpi.summary}",
            empty=f"{kpi.name}: nothing matched (no rows for these --from, --to and --where)",
        )
    for note in notes:
        say(f"note: {note}")


def tables(
    ctx: typer.Context,
    sample: Annotated[int, typer.Option("--sample", min=0, help="Also print N rows of each table.")] = 0,
    output: FormatOption = Format.table,
) -> None:  # fmt: skip
    """List the warehouse's tables with their row counts (and a sample of each)."""
    project: Project = ctx.obj
    found = project.tables()
    listing = [{"table": t, "rows": n} for t, n in found]
    if output is not Format.table:
        emit(listing, output, title="warehouse tables")
    else:
        screen.emit(listing, title="warehouse tables") if listing else say(
            "tables: nothing matched (the warehouse has no tables; run ticketlake build)", True
        )
    for table, count in found if sample else []:
        names, rows = project.query(f'SELECT * FROM "{table}" LIMIT {sample}')
        shown = [dict(zip(names, row, strict=True)) for row in rows]
        if output is not Format.table:
            emit(shown, output, title=table)
        elif not shown:
            say(f"{table}: nothing matched (the table has no rows)", stdout=True)
        else:
            screen.emit(shown, title=f"{table}: {len(shown)} of {count} rows")


def export(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Argument(help="Folder to write one file per table into.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or parquet.")] = "csv",
) -> None:  # fmt: skip
    """Write every mart and KPI table to OUT_DIR as CSV (formula-safe) or Parquet.

    Each file appears whole or not at all; an export removes the partial files a killed
    export left in OUT_DIR, and exports into one folder take turns."""
    project: Project = ctx.obj
    done = project.export(out_dir, fmt.lower())
    emit([{"table": e.table, "rows": e.rows, "file": str(e.path)} for e in done], Format.table,
         title=f"exported {len(done)} tables")  # fmt: skip


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"--where expects DIM=VALUE, got {text!r}")
    return name.strip(), value
