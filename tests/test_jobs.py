"""The daily job's steps and retry policy (ticketlake/jobs.py), without Prefect."""

from __future__ import annotations

import errno
import subprocess
import sys
from dataclasses import replace
from typing import Any, cast

import pytest

from ticketlake import jobs
from ticketlake.config import Settings
from ticketlake.config.job import Job
from ticketlake.errors import (
    ConfigError,
    ServiceError,
    ServiceUnreachableError,
    StorageError,
    UsageError,
)
from ticketlake.lake.lock import LakeBusyError
from ticketlake.lake.manifest import CommitConflictError
from ticketlake.project import Project


class ConnectionError(Exception):  # shaped like redis.exceptions.ConnectionError
    """Not the builtin: a library's own, matched by name."""


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (LakeBusyError("another ingest is writing"), True),
        (CommitConflictError("another writer committed first"), True),
        (TimeoutError("timed out"), True),
        (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), True),
        (OSError(errno.EAGAIN, "try again"), True),
        (ConnectionError("redis is down"), True),
        (ServiceUnreachableError("cannot reach Redis at redis://127.0.0.1:1"), True),
        (ServiceError("Redis at redis://127.0.0.1:6379 refused the credentials"), False),
        (UsageError("no sources"), False),
        (ConfigError("job.steps: unknown step"), False),
        (StorageError("cannot write: Read-only file system"), False),
        (OSError(errno.ENOENT, "no such file"), False),
        (ValueError("a data error"), False),
    ],
)
def test_which_errors_are_transient(exc: BaseException, transient: bool) -> None:
    assert jobs.is_transient(exc) is transient


def test_the_steps_are_the_configured_defaults_in_order() -> None:
    assert (
        Settings().job.steps
        == list(jobs.names())
        == ["ingest", "build", "dataset", "online", "report", "check"]
    )
    assert Job(steps=["check", "ingest"]).steps == ["ingest", "check"]  # the job's order


@pytest.mark.parametrize(
    ("steps", "says"),
    [(["ingest", "deploy"], "unknown step 'deploy'"), ([], "at least one"),
     (["build", "build"], "named twice")],
)  # fmt: skip
def test_bad_steps_are_refused(steps: list[str], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Job(steps=steps)


def _failing(times: int, exc: BaseException) -> tuple[jobs.Step, list[int]]:
    """A step that fails ``times`` times with ``exc``, then returns its number of calls."""
    calls: list[int] = []

    def run(_project: Project, _hooks: jobs.Hooks) -> dict[str, Any]:
        calls.append(1)
        if len(calls) <= times:
            raise exc
        return {"calls": len(calls)}

    return replace(jobs.STEPS[1], run=run), calls


def test_a_transient_failure_is_tried_again_in_plain_python() -> None:
    step, calls = _failing(2, TimeoutError("the lake's store timed out"))
    done = jobs.attempt(step, cast(Project, None), jobs.Hooks(), Job(retry_delay_seconds=0))
    assert (done.status, done.attempts, done.result) == ("completed", 3, {"calls": 3})
    assert len(calls) == 3


def test_retries_run_out_and_the_last_error_is_raised() -> None:
    step, calls = _failing(5, LakeBusyError("busy"))
    with pytest.raises(LakeBusyError):
        jobs.attempt(step, cast(Project, None), jobs.Hooks(), Job(retries=1, retry_delay_seconds=0))
    assert len(calls) == 2


def test_other_failures_are_never_retried() -> None:
    step, calls = _failing(1, ValueError("bad row"))
    with pytest.raises(ValueError, match="bad row"):
        jobs.attempt(step, cast(Project, None), jobs.Hooks(), Job(retry_delay_seconds=0))
    assert len(calls) == 1


def test_a_step_that_may_not_be_transient_is_never_retried() -> None:
    step, calls = _failing(1, TimeoutError("slow"))
    with pytest.raises(TimeoutError):
        jobs.attempt(replace(step, may_be_transient=False), cast(Project, None), jobs.Hooks(),
                     Job(retry_delay_seconds=0))  # fmt: skip
    assert len(calls) == 1


def test_the_plain_cli_does_not_import_prefect() -> None:
    """``ticketlake run`` is for cron users without the flow extra."""
    code = "import sys, ticketlake.cli.main, ticketlake.jobs; print('prefect' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
