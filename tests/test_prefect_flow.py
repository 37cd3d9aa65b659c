"""``ticketlake flow run`` and ``flow deploy``: the daily job as a Prefect flow, with Prefect's
temporary API and a Prefect home of the test's own (no server, no network)."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from bench.online_push import redis_server
from typer.testing import CliRunner

import ticketlake
from ticketlake import Project, demo, jobs
from ticketlake.cli.main import app
from ticketlake.errors import UsageError

pytest.importorskip("prefect", reason="Prefect is in the flow and dev extras")

pytestmark = pytest.mark.slow
NO_DELAY = ("--set", "job.retry_delay_seconds=0")
BUILT_AT = r"Warehouse build: \d{4}-\d\d-\d\d \d\d:\d\d UTC"  # the one line that differs


@pytest.fixture(scope="module", autouse=True)
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A Prefect home for this module (its temporary API's database) and no API address, so
    the flow runs against the temporary API Prefect starts on 127.0.0.1; stopped at the end.
    A Redis on loopback for the online step."""
    home = tmp_path_factory.mktemp("prefect")
    with pytest.MonkeyPatch.context() as env, redis_server(tmp_path_factory.mktemp("redis")) as url:
        env.setenv("REDIS_URL", url)  # the online step pushes to a redis-server of the module's
        env.setenv("PREFECT_HOME", str(home))
        env.delenv("PREFECT_API_URL", raising=False)
        env.setenv("DO_NOT_TRACK", "1")
        # Prefect's console log keeps the stderr it first saw, one a CliRunner has closed
        # since: what it writes there is dropped rather than reported with a traceback.
        env.setattr(logging, "raiseExceptions", False)
        from prefect.server.api.server import SubprocessASGIServer  # noqa: PLC0415

        yield home
        for server in list(SubprocessASGIServer._instances.values()):
            server.stop()


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project made small (200 tickets over 5 days): its configuration and exports,
    which each test copies into a project of its own that nothing has ingested yet."""
    root = tmp_path_factory.mktemp("flow") / "demo"
    demo.run(root, tickets=200, days=5, charts=False)
    return root


def _fresh(exports: Path, where: Path) -> Path:
    """A new project named like the demo (the report shows the name) with its exports."""
    root = where / "demo"
    shutil.copytree(exports / "exports", root / "exports")
    shutil.copy(exports / "ticketlake.yml", root / "ticketlake.yml")
    return root


def _cli(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["-p", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


def _job(root: Path, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    """``ticketlake flow run -f json``: exit code, one row per step, stderr."""
    code, out, err = _cli(root, *NO_DELAY, *args, "flow", "run", "-f", "json")
    return code, json.loads(out), err


def _state(root: Path) -> dict[str, Any]:
    """What the job leaves behind: every table's rows, a KPI, the report's page and charts,
    the training dataset's bytes."""
    project = Project(root)
    report = root / "report"
    return {
        "tables": project.tables(),
        "volume": project.kpi("volume", by=["source", "week"]).to_pylist(),
        "html": re.sub(BUILT_AT, "", (report / "report.html").read_text(encoding="utf-8")),
        "charts": sorted(p.name for p in report.rglob("*.png")),
        "dataset": hashlib.sha256(
            (root / "datasets" / "offline" / "dataset.parquet").read_bytes()
        ).hexdigest(),
    }


def _flaky(
    monkeypatch: pytest.MonkeyPatch, name: str, exc: BaseException, times: int = 1
) -> list[str]:
    """Make step ``name`` raise ``exc`` on its first ``times`` calls; the calls are listed."""
    calls: list[str] = []
    real = next(s for s in jobs.STEPS if s.name == name)

    def run(project: Project, hooks: jobs.Hooks) -> dict[str, Any]:
        calls.append(name)
        if len(calls) <= times:
            raise exc
        return real.run(project, hooks)

    steps = tuple(replace(s, run=run) if s.name == name else s for s in jobs.STEPS)
    monkeypatch.setattr(jobs, "STEPS", steps)
    return calls


@pytest.fixture(scope="module")
def undisturbed(
    exports: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[dict[str, Any]]]:
    """A project after one undisturbed ``ticketlake flow run``, and the rows it printed."""
    root = _fresh(exports, tmp_path_factory.mktemp("undisturbed"))
    code, rows, err = _job(root)
    assert code == 0, err
    return root, rows


def test_flow_run_completes_every_step(undisturbed: tuple[Path, list[dict[str, Any]]]) -> None:
    root, rows = undisturbed
    assert [(r["step"], r["status"], r["attempts"]) for r in rows] == [
        (name, "completed", 1) for name in jobs.names()
    ]
    assert (root / "report" / "report.html").is_file()
    online = next(r for r in rows if r["step"] == "online")["result"]
    assert online.startswith("generation=1, tickets=") and "round_trips=" in online
    assert (root / ".prefect").exists() is False  # PREFECT_HOME, set by the test, is elsewhere
    assert any("step build" in line for line in (root / "logs" / "ticketlake.log").open())


def test_a_transient_failure_is_retried_and_changes_nothing(
    exports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    undisturbed: tuple[Path, list[dict[str, Any]]],
) -> None:  # fmt: skip
    """The build times out once (as a remote lake might): Prefect tries it again, and the
    project ends as the undisturbed run left its own."""
    calls = _flaky(monkeypatch, "build", TimeoutError("the object store timed out"))
    root = _fresh(exports, tmp_path)
    code, rows, err = _job(root)
    assert code == 0, err
    assert [(r["step"], r["status"], r["attempts"]) for r in rows] == [
        ("ingest", "completed", 1), ("build", "completed", 2), ("dataset", "completed", 1),
        ("online", "completed", 1), ("report", "completed", 1), ("check", "completed", 1),
    ]  # fmt: skip
    assert calls == ["build", "build"]
    assert _state(root) == _state(undisturbed[0])


@pytest.mark.parametrize(
    ("exc", "says"),
    [(UsageError("the export is not what the mapping says"), "the export is not what the mapping says"),
     (ValueError("a row the parser cannot read"), "ValueError: a row the parser cannot read")],
)  # fmt: skip
def test_a_failure_that_is_not_transient_is_not_retried(
    exports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: Exception, says: str
) -> None:
    """One attempt, the later steps not run, exit 1 and one error line, no traceback."""
    calls = _flaky(monkeypatch, "ingest", exc, times=9)
    code, rows, err = _job(_fresh(exports, tmp_path), "--set", "job.steps=[ingest, build]")
    assert code == 1
    assert [(r["step"], r["status"], r["attempts"]) for r in rows] == [
        ("ingest", "failed", 1), ("build", "not run", 0)
    ]  # fmt: skip
    assert calls == ["ingest"]
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        f"error: ingest: {says}"
    ]
    assert "Traceback" not in err


def test_deploy_registers_the_cron_schedule(exports: Path, tmp_path: Path) -> None:
    from ticketlake import prefect_flow  # noqa: PLC0415 - imports Prefect

    root = _fresh(exports, tmp_path)
    code, out, err = _cli(root, "flow", "deploy", "--cron", "0 6 * * *", "--name", "nightly")
    assert code == 0, err
    assert "ticketlake-daily/nightly" in out and "0 6 * * *" in out
    with prefect_flow.settings(Project(root)), prefect_flow.get_client(sync_client=True) as client:
        found = client.read_deployment_by_name("ticketlake-daily/nightly")
    assert [s.schedule.cron for s in found.schedules] == ["0 6 * * *"]
    assert found.parameters == {"project": str(root), "overrides": []}
    assert found.entrypoint == "ticketlake.prefect_flow.daily"


@pytest.mark.parametrize(
    ("args", "says"),
    [(["--cron", "every morning"], "error: --cron 'every morning': Invalid cron string"),
     (["--cron", "0 6 * * *", "--timezone", "Mars/Base"], "error: --timezone: unknown time zone"),
     (["--cron", "0 6 * * *", "--serve"], "error: --serve needs a Prefect server")],
)  # fmt: skip
def test_deploy_refuses_a_bad_schedule_in_one_line(
    exports: Path, tmp_path: Path, args: list[str], says: str
) -> None:
    code, _out, err = _cli(_fresh(exports, tmp_path), "flow", "deploy", *args)
    assert code == 2
    assert err.startswith(says) and err.strip().count("\n") == 0, err


def test_plain_run_runs_the_same_steps_with_the_same_retries(
    exports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    undisturbed: tuple[Path, list[dict[str, Any]]],
) -> None:  # fmt: skip
    """``ticketlake run`` (no Prefect): the same steps, the same retry of a transient build
    failure, the same end state."""
    calls = _flaky(monkeypatch, "build", TimeoutError("the object store timed out"))
    root = _fresh(exports, tmp_path)
    code, out, err = _cli(root, *NO_DELAY, "run", "-f", "json")
    assert code == 0, err
    assert {r["source"] for r in json.loads(out)} == set(demo.SOURCES)
    assert calls == ["build", "build"]
    assert "report: html=" in err and "built " in err
    assert _state(root) == _state(undisturbed[0])


def test_without_the_flow_extra_one_line(
    exports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prefect missing: the line names the extra to install."""
    monkeypatch.setitem(sys.modules, "prefect", None)  # import prefect fails
    monkeypatch.delitem(sys.modules, "ticketlake.prefect_flow", raising=False)
    monkeypatch.delattr(ticketlake, "prefect_flow", raising=False)  # imported again, and fails
    code, _out, err = _cli(_fresh(exports, tmp_path), "flow", "run")
    assert code == 2
    assert err == "error: ticketlake flow run needs prefect: pip install 'ticketlake[flow]'\n"


def test_online_is_skipped_without_a_redis(
    exports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No online.url and no REDIS_URL: the step says why it did nothing; the job succeeds."""
    monkeypatch.delenv("REDIS_URL")
    root = _fresh(exports, tmp_path)
    code, rows, err = _job(root, "--set", "job.steps=[ingest, build, online]")
    assert code == 0, err
    assert rows[-1] == {
        "step": "online",
        "status": "skipped",
        "attempts": 1,
        "result": "skipped=no Redis configured (online.url or REDIS_URL)",
    }
