"""The ``ticketlake`` application: global options and the commands that exist today."""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from typer.core import TyperGroup
from typer.exceptions import Abort, Exit, TyperException

from ticketlake import demo, logs
from ticketlake.cli import (
    analytics,
    dataset,
    flow,
    health,
    lake,
    ledger,
    mapping,
    mart,
    online,
    report,
    serve,
    sla,
    sources,
    themes,
)
from ticketlake.cli.output import Format, FormatOption, emit, error, say, working
from ticketlake.cli.progress import stages
from ticketlake.errors import StorageError, TicketlakeError
from ticketlake.project import Project
from ticketlake.synth import MANIFEST, SHAPES, Generated
from ticketlake.synth.shapes import Layout

INTERNAL_ERROR = 70


class _Group(TyperGroup):
    """Turns our own errors into one line on stderr and their exit code; never a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TicketlakeError as exc:
            error(str(exc))
            raise Exit(exc.exit_code) from None
        except (Exit, Abort, TyperException):
            raise
        except BrokenPipeError:
            # The reader went away (``ticketlake kpis volume | head``): stop quietly, as
            # Unix tools do; point stdout at nothing so the interpreter's final flush is silent.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise Exit(141) from None
        except Exception as exc:
            logging.getLogger("ticketlake").debug("internal error", exc_info=True)
            error(f"{type(exc).__name__}: {exc}", label="internal error")
            raise Exit(INTERNAL_ERROR) from None


app = typer.Typer(
    cls=_Group,
    name="ticketlake",
    help="Turn support and IT ticket exports into trustworthy operational analytics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _project(ctx: typer.Context) -> Project:
    project: Project = ctx.obj
    return project


@app.callback()
def main_options(
    ctx: typer.Context,
    project: Annotated[
        Path,
        typer.Option("--project", "-p", envvar="TICKETLAKE_PROJECT",
                     help="Project folder (holds ticketlake.yml).", show_default="."),
    ] = Path("."),
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="KEY=VALUE",
                     help="Override a setting for this run, e.g. engine.threads=4 (repeatable)."),
    ] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True,
                                         help="More log output (-vv for debug).")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on the console.")] = False,
    engine: Annotated[str | None, typer.Option("--engine", help="Engine for this run: duckdb or spark "
                                                "(same as --set engine.name=...).")] = None,
) -> None:  # fmt: skip
    """Turn support and IT ticket exports into trustworthy operational analytics."""
    if engine is not None:
        set_ = [*(set_ or []), f"engine.name={engine}"]
    ctx.obj = Project(project, set_ or ())
    logs.setup(verbose, quiet)
    if ctx.obj.is_initialised or set_:
        # Validates the configuration (and every --set) before any command runs.
        settings = ctx.obj.settings
        if ctx.obj.is_initialised:
            _log_to_file(settings.logs_path(ctx.obj.root))


def _log_to_file(log_dir: Path) -> None:
    """Also log to ``log_dir`` if the system lets us; otherwise warn and go on: the log is
    for diagnosis, the lake's ledger is the record, so no command needs the file."""
    try:
        logs.add_file(log_dir)
    except StorageError as exc:
        error(f"{exc}; logging to the file is off", label="warning")


@app.command()
def init(
    ctx: typer.Context,
    directory: Annotated[Path | None, typer.Argument(help="Folder to initialise (default: the project).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing ticketlake.yml.")] = False,
) -> None:  # fmt: skip
    """Write a commented default ticketlake.yml."""
    project = Project(directory) if directory else _project(ctx)
    path = project.init(force=force)
    _log_to_file(project.logs_dir)
    logs.get("cli").info("initialised project", extra={"path": str(path)})
    say(f"wrote {path}", stdout=True)


@app.command("config")
def show_config(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """Show every setting in effect (file, defaults and --set overrides)."""
    settings = _project(ctx).settings
    rows = [{"setting": key, "value": value} for key, value in _flatten(settings.model_dump())]
    emit(rows, fmt, title="settings")


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        return [item for k, v in value.items() for item in _flatten(v, f"{prefix}{k}.")]
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [item for i, v in enumerate(value) for item in _flatten(v, f"{prefix}{i}.")]
    return [(prefix.rstrip("."), value)]


def _parse_date(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


@app.command()
def generate(
    ctx: typer.Context,
    shape: Annotated[str, typer.Option("--shape", "-s", help=f"Export shape: {', '.join(SHAPES)}.")] = "tickets",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")] = Path("generated"),
    tickets: Annotated[int, typer.Option("--tickets", "-n", min=1, help="Number of tickets.")] = 10_000,
    days: Annotated[int, typer.Option("--days", "-d", min=1, help="Days of history.")] = 90,
    start: Annotated[str, typer.Option("--start", help="First day, YYYY-MM-DD.")] = "2024-01-01",
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same files.")] = 42,
    dirty: Annotated[float, typer.Option("--dirty", min=0.0, max=0.5,
                                         help=f"Share of rows to corrupt; writes {MANIFEST}.")] = 0.0,
    personal: Annotated[float, typer.Option("--personal", min=0.0, max=1.0,
                                            help=f"Share of tickets whose text gains e-mail addresses, phone numbers or URLs; listed in {MANIFEST}.")] = 0.0,
    rising: Annotated[int | None, typer.Option("--rising", min=0,
                                               help=f"Day index (0 = --start, below --days) from which a quarter of new tickets are about an authenticator rollout and take three times as long to resolve; listed in {MANIFEST}.")] = None,
    date_format: Annotated[str, typer.Option("--date-format", help="strftime pattern of timestamps (tickets shape).")] = "%Y-%m-%d %H:%M:%S",
    timezone: Annotated[str, typer.Option("--timezone", help="Time zone timestamps are written in (tickets shape).")] = "UTC",
    null_marker: Annotated[str, typer.Option("--null-marker", help="Text written for missing values, e.g. '?'.")] = "",
    json_array: Annotated[bool, typer.Option("--json-array", help="json, zendesk, github shapes: JSON arrays or documents, not JSON lines.")] = False,
    fmt: FormatOption = Format.table,
) -> None:  # fmt: skip
    """Write realistic synthetic ticket exports (deterministic per --seed)."""
    layout = Layout(date_format=date_format, timezone=_zone(timezone), null_marker=null_marker,
                    json_lines=not json_array)  # fmt: skip
    with working(f"generating {tickets:,} tickets as {shape}"):
        result = _project(ctx).generate(
            shape, out, tickets, days, _parse_date(start), seed, layout, dirty, personal, rising
        )
    emit(
        _files_rows(result),
        fmt,
        title=f"{shape}: {result.rows:,} rows in {len(result.files)} files",
    )


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(f"unknown time zone {name!r}", param_hint="--timezone") from None
    return name


def _files_rows(result: Generated) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for defect in (result.manifest or {}).get("defects", []):
        counts[defect["file"]] = counts.get(defect["file"], 0) + 1
    rows = [{"file": str(f.path), "rows": f.rows, "defects": counts.get(f.path.name, 0)}
            for f in result.files]  # fmt: skip
    if result.manifest is not None:
        listed = [*result.manifest.get("defects", []), *result.manifest.get("personal", [])]
        rows.append({"file": str(result.out / MANIFEST), "rows": len(listed), "defects": 0})
    return rows


@app.command("demo")
def run_demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo project.")] = Path("demo"),
    fmt: FormatOption = Format.table,
) -> None:  # fmt: skip
    """Run every stage that exists end to end on generated data and show what it did."""
    _log_to_file(out / "logs")
    with stages("starting the demo") as watch:
        steps = demo.run(out, watch=watch)
        watch.stage("summing up")
        headlines, agents = demo.summary(Project(out))
        themes_rows = demo.themes(Project(out))
    if fmt is Format.json:  # one document: {"steps": [...], "kpis": [...], "busiest": [...], ...}
        document = {"steps": [asdict(s) for s in steps], "kpis": headlines, "busiest": agents,
                    "themes": themes_rows}  # fmt: skip
        sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")
        return
    emit([asdict(s) for s in steps], fmt, title=f"ticketlake demo in {out}")
    emit(headlines, fmt, title="KPI summary per source (ticketlake kpis NAME --by source)")
    emit(agents, fmt, title=f"busiest technicians (ticketlake kpis agent_load --where "
                            f"source={demo.STORY})")  # fmt: skip
    if themes_rows:
        emit(themes_rows, fmt, title=f"top themes of {demo.THEMES_SOURCE}'s tickets "
                                     f"(ticketlake themes --source {demo.THEMES_SOURCE})")  # fmt: skip
    written = next((s.path for s in steps if s.step == "report" and s.path), None)
    if written:
        say(f"report: {written}", stdout=True)


app.command()(lake.ingest)
app.command()(lake.replay)
app.command()(ledger.status)
app.command()(lake.verify)
app.command()(lake.quarantine)
app.command()(lake.build)
app.command()(health.check)
app.command()(lake.query)
app.command()(mart.run)
app.command()(mart.kpis)
app.command()(mart.tables)
app.command()(mart.export)
app.command()(analytics.lifecycle)
app.command()(sla.sla)
app.command()(themes.themes)
app.command()(report.report)
app.command()(serve.serve)
app.add_typer(mapping.app, name="map")
app.add_typer(sources.app, name="source")
app.add_typer(serve.app, name="keys")
app.add_typer(flow.app, name="flow")
app.add_typer(dataset.app, name="dataset")
app.add_typer(online.app, name="online")


def main() -> None:
    """Console-script entry point."""
    sys.exit(app(prog_name="ticketlake", standalone_mode=True))


if __name__ == "__main__":
    main()
