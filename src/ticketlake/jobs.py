"""The daily job, defined once: its steps in order, each a function of the project that returns
a small JSON-able result, and which failures are worth trying again.

``ticketlake run`` runs the steps here in plain Python (:func:`run`, no Prefect); ``ticketlake
flow run`` runs the same steps as Prefect tasks (ticketlake/prefect_flow.py). Which of them
run, and how often a transient failure is retried, is the ``job`` section of the settings.
"""

from __future__ import annotations

import errno
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ticketlake import logs
from ticketlake import report as reporting
from ticketlake.config.job import Job
from ticketlake.engine.health import warnings
from ticketlake.errors import TicketlakeError, TransientError
from ticketlake.ingest.pipeline import OnFile, Outcome, Progress
from ticketlake.online.connect import URL_ENV
from ticketlake.project import Project

log = logs.get("jobs")
Result = dict[str, Any]

# Errors a second try can fix, besides our own TransientError (the lake's lock held too long,
# a commit that lost a race): a connection refused, reset or timed out (Redis, S3), a resource
# busy for a moment. Matched by class name too, so redis' and botocore's own ConnectionError
# and TimeoutError count without importing them.
TRANSIENT_ERRNOS = frozenset(
    {
        errno.EAGAIN,
        errno.EBUSY,
        errno.EINTR,
        errno.ETIMEDOUT,
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.ENETUNREACH,
        errno.EHOSTUNREACH,
    }
)
TRANSIENT_NAMES = frozenset({"ConnectionError", "TimeoutError"})


@dataclass(frozen=True)
class Hooks:
    """What the caller lends the steps: progress callbacks and the wait for the lake's lock."""

    progress: Progress | None = None
    on_file: OnFile | None = None
    lock_timeout: float = 600.0


@dataclass(frozen=True)
class Step:
    """One step of the daily job: its name, what it does, and whether its failures may be
    transient (when not, no failure of it is ever retried)."""

    name: str
    run: Callable[[Project, Hooks], Result]
    may_be_transient: bool
    summary: str


@dataclass
class StepRun:
    """What became of one step: completed, skipped (the result says why), failed or not run."""

    step: str
    status: str
    attempts: int = 0
    result: Result = field(default_factory=dict)
    error: str = ""

    def row(self) -> dict[str, Any]:
        """The step as a table row: the error, or the result in brief (a list or mapping
        shown by its length)."""
        brief = ", ".join(f"{k}={_brief(v)}" for k, v in self.result.items())
        return {
            "step": self.step,
            "status": self.status,
            "attempts": self.attempts,
            "result": self.error or brief,
        }


def _brief(value: Any) -> Any:
    return len(value) if isinstance(value, list | dict) else value


def _ingest(project: Project, hooks: Hooks) -> Result:
    outcomes = project.ingest_sources(hooks.progress, hooks.lock_timeout, hooks.on_file)
    sources = {name: ingest_counts(o) for name, o in outcomes.items()}
    failed = [b.reason for o in outcomes.values() for b in o.failed]
    return {"sources": sources, "failed": failed}


def ingest_counts(outcome: Outcome) -> dict[str, int]:
    """One source's ingest in numbers: files committed, skipped and failed, and its rows."""
    batches = outcome.batches
    return {
        "files": sum(b.status == "committed" for b in batches),
        "skipped": sum(b.status == "skipped" for b in batches),
        "failed": len(outcome.failed),
        "rows_in": sum(b.rows_in for b in batches),
        "loaded": sum(b.rows_loaded for b in batches),
        "quarantined": sum(b.rows_quarantined for b in batches),
    }


def _build(project: Project, hooks: Hooks) -> Result:
    built = project.build()
    return {
        "models": len(built.modes),
        "modes": built.summary(),
        "lake_version": built.lake_version,
    }


def _dataset(project: Project, hooks: Hooks) -> Result:
    done = project.dataset()
    splits = {name: part["rows"] for name, part in done.manifest["splits"].items()}
    return {
        "file": str(done.file),
        "rows": done.rows,
        "splits": splits,
        "content_sha256": done.manifest["content_sha256"],
    }


def _online(project: Project, hooks: Hooks) -> Result:
    if not (project.settings.online.url or os.environ.get(URL_ENV)):
        return {"skipped": f"no Redis configured (online.url or {URL_ENV})"}
    pushed = project.online_push()
    return {
        "generation": pushed.generation,
        "tickets": sum(pushed.tickets.values()),
        "round_trips": pushed.round_trips,
        "encoding": pushed.encoding,
    }


def _report(project: Project, hooks: Hooks) -> Result:
    if reporting.missing():
        return {"skipped": "the report extra is not installed: pip install 'ticketlake[report]'"}
    done = project.report()
    return {
        "html": str(done.html),
        "period": done.period.label(),
        "charts": len(done.drawn),
        "left_out": len(done.omitted),
    }


def _check(project: Project, hooks: Hooks) -> Result:
    found = project.health()
    return {"breaches": list(found.breaches), "warnings": warnings(found)}


STEPS = (
    Step("ingest", _ingest, True, "Ingest every configured source (a failed file stops no other)."),
    Step("build", _build, True, "Refresh the warehouse and publish the new build."),
    Step("dataset", _dataset, True, "Write the offline training set of the new build."),
    Step("online", _online, True, "Push the online slice of the new build to Redis."),
    Step("report", _report, True, "Write the HTML report of the last 28 days with data."),
    Step("check", _check, True, "Measure mapping health; breaches are in the result."),
)


def names() -> tuple[str, ...]:
    """Every step's name, in the order the job runs them."""
    return tuple(step.name for step in STEPS)


def selected(job: Job) -> list[Step]:
    """The steps ``job.steps`` names, in the job's order."""
    return [step for step in STEPS if step.name in job.steps]


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure that trying again may fix. Our own errors say so by their
    class (:class:`TransientError`); usage, configuration and data errors never are."""
    if isinstance(exc, TicketlakeError):
        return isinstance(exc, TransientError)
    if isinstance(exc, OSError) and exc.errno in TRANSIENT_ERRNOS:
        return True
    return bool(TRANSIENT_NAMES & {cls.__name__ for cls in type(exc).__mro__})


def retryable(step: Step, exc: BaseException) -> bool:
    """Whether ``step``, failed with ``exc``, is worth another attempt."""
    return step.may_be_transient and is_transient(exc)


def run_once(step: Step, project: Project, hooks: Hooks) -> Result:
    """One attempt at ``step``; its result goes to the project's log."""
    result = step.run(project, hooks)
    log.info(
        "step %s: %s",
        step.name,
        json.dumps(result, default=str),
        extra={"step": step.name, "result": result},
    )
    return result


def status_of(result: Result) -> str:
    """``skipped`` when the step said why it did nothing, else ``completed``."""
    return "skipped" if "skipped" in result else "completed"


def attempt(step: Step, project: Project, hooks: Hooks, job: Job) -> StepRun:
    """Run ``step``, trying again after a transient failure up to ``job.retries`` times; the
    last failure is raised."""
    tries = 0
    while True:
        tries += 1
        try:
            result = run_once(step, project, hooks)
        except Exception as exc:
            if tries > job.retries or not retryable(step, exc):
                raise
            log.warning(
                "step %s failed (%s: %s); attempt %d in %g s",
                step.name,
                type(exc).__name__,
                exc,
                tries + 1,
                job.retry_delay_seconds,
            )
            time.sleep(job.retry_delay_seconds)
        else:
            return StepRun(step.name, status_of(result), tries, result)


def run(
    project: Project, hooks: Hooks | None = None, on_step: Callable[[StepRun], None] | None = None
) -> list[StepRun]:
    """The daily job in plain Python (``ticketlake run``): the configured steps in order, each
    told to ``on_step`` as it ends; a step that still fails after its retries stops the job
    with its error."""
    job = project.settings.job
    done = []
    for step in selected(job):
        done.append(attempt(step, project, hooks or Hooks(), job))
        if on_step is not None:
            on_step(done[-1])
    return done
