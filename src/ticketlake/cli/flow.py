"""``ticketlake flow``: the process-flow analysis, and ``flow run`` and ``flow deploy``, the
daily job as a Prefect flow (docs/flow.md).

Bare, ``ticketlake flow [--source S] [--top N]`` prints the process-flow figures as it always
has; ``flow run`` and ``flow deploy`` are the Prefect flow. Prefect (the ``flow`` extra) is
imported when one of those two runs, never by the rest of the CLI.
"""

from __future__ import annotations

from types import ModuleType
from typing import Annotated

import typer
from typer.exceptions import Exit

from ticketlake.cli import analytics
from ticketlake.cli.lake import WaitOption, fail_on
from ticketlake.cli.output import Format, FormatOption, emit, error, say
from ticketlake.project import Project

app = typer.Typer(
    invoke_without_command=True,
    help="Process flow: time in status, transitions, handoffs, ping-pong, tiered-support "
    "conformance, variants. `flow run` and `flow deploy`: the daily job as a Prefect flow.",
)


@app.callback()
def process_flow(
    ctx: typer.Context,
    source: analytics.SourceFilter = None,
    top: analytics.TopOption = 10,
    output: FormatOption = Format.table,
) -> None:
    """Time in status, transitions, handoffs, ping-pong, tiered-support conformance, variants;
    `flow run` and `flow deploy` run the daily job as a Prefect flow (docs/flow.md)."""
    if ctx.invoked_subcommand is None:
        analytics.flow(ctx, source, top, output)


def _flow() -> ModuleType:
    from ticketlake import prefect_flow  # noqa: PLC0415 - needs the flow extra (Prefect)

    return prefect_flow


@app.command("run")
def run_job(
    ctx: typer.Context, wait: WaitOption = 600.0, output: FormatOption = Format.table
) -> None:
    """Run the daily job (job.steps) as a Prefect flow in this process, each step a task
    retried on transient failures; no Prefect server needed. Exit 1 if a step fails."""
    project: Project = ctx.obj
    project.require()  # before Prefect starts its API
    runs = _flow().run(project, wait)
    emit([r.row() for r in runs], output, title="ticketlake flow run")
    for r in runs:
        if r.status == "failed":
            error(f"{r.step}: {r.error}")
    if any(r.status == "failed" for r in runs):
        raise Exit(1)
    fail_on([reason for r in runs for reason in r.result.get("failed", [])])


@app.command("deploy")
def deploy(
    ctx: typer.Context,
    cron: Annotated[
        str, typer.Option("--cron", help='When to run, a cron expression such as "0 6 * * *".')
    ],
    name: Annotated[str, typer.Option("--name", help="Name of the deployment.")] = "daily",
    timezone: Annotated[
        str | None, typer.Option("--timezone", help="IANA time zone of the schedule (default UTC).")
    ] = None,
    serve: Annotated[
        bool,
        typer.Option("--serve", help="Keep running and start each scheduled run (until Ctrl-C)."),
    ] = False,
) -> None:
    """Register the daily job with a cron schedule in the Prefect API (PREFECT_API_URL, or
    the temporary one with its database in the project's .prefect/) and say how it runs."""
    project: Project = ctx.obj
    project.require()
    flow = _flow()
    flow.schedule(cron, timezone)  # one line if either is wrong, before the API starts
    if serve:
        flow.require_server()
        say(f"serving {flow.FLOW_NAME}/{name} at {cron}; Ctrl-C stops")
        flow.serve(project, cron, name, timezone)
        return
    deployment_id = flow.deploy(project, cron, name, timezone)
    full, crons = flow.schedules(deployment_id, project)
    say(f"deployment {full} ({deployment_id}) runs at {', '.join(crons)}", stdout=True)
    say(
        "a process must serve it for it to run on schedule: against a Prefect server "
        f"(PREFECT_API_URL), `ticketlake flow deploy --cron '{cron}' --serve`; cron users run "
        "`ticketlake run` instead"
    )
