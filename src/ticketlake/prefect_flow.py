"""The daily job as a Prefect 3 flow (``ticketlake flow run`` and ``flow deploy``).

Each step of ticketlake/jobs.py becomes a task with Prefect's retries, which a
``retry_condition_fn`` keeps to transient failures (:func:`ticketlake.jobs.is_transient`, the
one definition ``ticketlake run`` uses too). Prefect is the ``flow`` extra; this is the only
module that imports it. Without ``PREFECT_API_URL`` Prefect runs its own temporary API on
127.0.0.1, with its database in ``PREFECT_HOME``, by default the project's ``.prefect/``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, cast

from ticketlake.common import extras

EXTRA = "flow"
extras.load("prefect", EXTRA, "ticketlake flow run")  # one line naming the extra when it is missing

# ruff: noqa: E402 - Prefect is imported once the line above made sure it is installed
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import State, TaskRun
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Schedule
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_HOME,
    PREFECT_SERVER_ANALYTICS_ENABLED,
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
    temporary_settings,
)
from prefect.states import Failed
from prefect.types.entrypoint import EntrypointType

from ticketlake import jobs
from ticketlake.config.checks import check_timezone
from ticketlake.errors import TicketlakeError, UsageError
from ticketlake.project import Project

FLOW_NAME = "ticketlake-daily"


@contextmanager
def settings(project: Project) -> Iterator[None]:
    """Prefect's settings for a run of the project's job: ``PREFECT_HOME`` is the project's
    ``.prefect/`` unless the environment sets it; no telemetry, a patient start of the
    temporary API (a loaded machine takes seconds to migrate its database)."""
    os.environ.setdefault("DO_NOT_TRACK", "1")  # Prefect's client-side telemetry
    home = os.environ.get("PREFECT_HOME") or str(project.root / ".prefect")
    updates: dict[Any, Any] = {PREFECT_HOME: Path(home).expanduser()}
    if "PREFECT_SERVER_ANALYTICS_ENABLED" not in os.environ:
        updates[PREFECT_SERVER_ANALYTICS_ENABLED] = False
    if "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS" not in os.environ:
        updates[PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS] = 120
    with temporary_settings(updates=updates):
        yield


def describe(exc: BaseException) -> str:
    """One line for a failed step: our own errors' message, or the exception's class and text."""
    text = str(exc) if isinstance(exc, TicketlakeError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


def _exception(state: State[Any]) -> BaseException | None:
    found = state.result(raise_on_failure=False)
    return found if isinstance(found, BaseException) else None


def _only_transient(step: jobs.Step) -> Any:
    """The task's ``retry_condition_fn``: retry when the step's failure was transient."""

    def condition(_task: Any, _run: TaskRun, state: State[Any]) -> bool:
        exc = _exception(state)
        return exc is not None and jobs.retryable(step, exc)

    return condition


def _run_step(step: jobs.Step, project: Project, hooks: jobs.Hooks) -> jobs.StepRun:
    """``step`` as one Prefect task (its attempts counted here); what became of it."""
    job, attempts = project.settings.job, [0]

    def body() -> jobs.Result:
        attempts[0] += 1
        result = jobs.run_once(step, project, hooks)
        get_run_logger().info("%s: %s", step.name, json.dumps(result, default=str))
        return result

    runner = task(
        name=step.name,
        description=step.summary,
        retries=job.retries,
        retry_delay_seconds=job.retry_delay_seconds,
        retry_condition_fn=_only_transient(step),
        cache_policy=NO_CACHE,
        persist_result=False,
    )(body)
    state = runner(return_state=True)
    if state.is_failed():
        exc = _exception(state)
        error = describe(exc) if exc is not None else state.message or "failed"
        return jobs.StepRun(step.name, "failed", attempts[0], error=error)
    result = state.result()
    return jobs.StepRun(step.name, jobs.status_of(result), attempts[0], result)


@flow(name=FLOW_NAME, description="ticketlake's daily job (docs/flow.md).")
def daily(
    project: str = ".", overrides: list[str] | None = None, lock_timeout: float = 600.0
) -> Any:
    """Run the job's steps in order as tasks; a step that fails (after its retries) fails
    the flow and leaves the later steps not run. Returns one row per step."""
    here = Project(project, overrides or ())
    hooks, runs = jobs.Hooks(lock_timeout=lock_timeout), list[jobs.StepRun]()
    for step in jobs.selected(here.settings.job):
        failed = any(r.status == "failed" for r in runs)
        runs.append(jobs.StepRun(step.name, "not run") if failed else _run_step(step, here, hooks))
    rows = [asdict(r) for r in runs]
    broken = [f"{r.step}: {r.error}" for r in runs if r.status == "failed"]
    return Failed(message=broken[0], data=rows) if broken else rows


def run(project: Project, lock_timeout: float = 600.0) -> list[jobs.StepRun]:
    """Run the flow in this process (Prefect's temporary API unless ``PREFECT_API_URL``)."""
    with settings(project):
        called = daily(str(project.root), list(project.overrides), lock_timeout, return_state=True)
        state = cast("State[Any]", called)  # a sync flow called in sync code: not awaitable
        rows = state.result(raise_on_failure=False)
    if not isinstance(rows, list):  # the flow itself failed before any step: say why
        why = describe(rows) if isinstance(rows, BaseException) else state.message
        raise TicketlakeError(f"the flow failed: {why}")
    return [jobs.StepRun(**row) for row in rows]


def _deployment(project: Project, name: str) -> dict[str, Any]:
    """What a deployment of the project's job is made of, besides its schedule."""
    return {
        "name": name,
        "parameters": {"project": str(project.root), "overrides": list(project.overrides)},
        "entrypoint_type": EntrypointType.MODULE_PATH,  # ticketlake.prefect_flow.daily
        "description": f"ticketlake's daily job for {project.root}",
    }


def schedule(cron: str, timezone: str | None = None) -> Schedule:
    """The cron schedule, or one line saying what is wrong with ``cron`` or ``timezone``."""
    try:
        zone = check_timezone(timezone)
    except ValueError as exc:
        raise UsageError(f"--timezone: {exc}") from None
    try:
        return Cron(cron, timezone=zone)
    except ValueError as exc:
        raise UsageError(f"--cron {cron!r}: {exc}") from None


def deploy(project: Project, cron: str, name: str, timezone: str | None = None) -> Any:
    """Register the flow with ``cron`` as its schedule in the configured Prefect API (the
    temporary one by default, whose database is in ``PREFECT_HOME``); returns its id."""
    with settings(project):
        made = daily.to_deployment(schedule=schedule(cron, timezone), **_deployment(project, name))
        return cast(RunnerDeployment, made).apply()


def require_server() -> None:
    """Fail in one line unless ``PREFECT_API_URL`` names a Prefect server: only a server's
    scheduler makes the runs of a schedule (the temporary API has none)."""
    if not PREFECT_API_URL.value():
        raise UsageError(
            "--serve needs a Prefect server, whose scheduler makes the runs (the temporary "
            "API has none): run `prefect server start` and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api"
        )


def serve(project: Project, cron: str, name: str, timezone: str | None = None) -> None:
    """Register the deployment and keep running, starting each run the server's scheduler
    makes (Prefect's ``serve``) until interrupted; needs a Prefect server."""
    with settings(project):
        require_server()
        daily.serve(schedule=schedule(cron, timezone), **_deployment(project, name))


def schedules(deployment_id: Any, project: Project) -> tuple[str, list[str]]:
    """A deployment's full name and its cron schedules, read back from the API."""
    with settings(project), get_client(sync_client=True) as client:
        found = client.read_deployment(deployment_id)
        crons = [str(getattr(s.schedule, "cron", "")) for s in found.schedules]
    return f"{FLOW_NAME}/{found.name}", crons
