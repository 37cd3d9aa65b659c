"""``ticketlake check`` and the health summary of ``ingest``, ``build`` and ``status``, run as
users run them: a subprocess, its exit code, stdout and stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import RUN
from tests.cli.test_cli import run
from tests.engine.test_health import AGREEMENT, BREACHES, DESK, INCIDENTS, LOG
from tests.models.conftest import build_project

UNMAPPED = "desk: unmapped status values (events): 'Foo' x3, 'Bar' x1"
RELAXED = [
    "--set",
    "check.max_unknown_share.status=1",
    "--set",
    "check.max_unknown_share.priority=1",
    "--set",
    "check.max_unknown_share.created=1",
    "--set",
    "check.max_unknown_share.resolution=1",
    "--set",
    "check.max_out_of_period_share=1",
]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A project with source ``desk`` (the hand-counted log), ingested and built through the
    CLI; returns its folder and the stderr of both commands."""
    root = tmp_path_factory.mktemp("check")
    (root / "exports").mkdir()
    (root / "exports" / "events.csv").write_text(LOG, encoding="utf-8")
    assert run("init", cwd=root).returncode == 0
    config = root / "ticketlake.yml"
    text = config.read_text(encoding="utf-8").replace(
        "sources: []\n", "sources:\n  - name: desk\n    format: eventlog\n    path: exports\n", 1
    )
    config.write_text(text, encoding="utf-8")
    stderr = {}
    for command in (["ingest", "--source", "desk"], ["build"]):
        done = run(*command, cwd=root)
        assert done.returncode == 0, done.stderr
        stderr[command[0]] = done.stderr
    return root, stderr


def _lines(text: str, label: str) -> list[str]:
    return [line.removeprefix(label) for line in text.splitlines() if line.startswith(label)]


@pytest.mark.parametrize("command", ["ingest", "build"])
def test_ingest_and_build_end_with_the_health_warnings(
    project: tuple[Path, dict[str, str]], command: str
) -> None:
    assert _lines(project[1][command], "health: ") == [
        *BREACHES,
        UNMAPPED,
        "desk: unmapped priority values (events): 'Urgentish' x1",
    ]


def test_a_healthy_source_adds_no_line(project: tuple[Path, dict[str, str]]) -> None:
    done = run(
        *RELAXED,
        "--set",
        "statuses.Foo=open",
        "--set",
        "statuses.Bar=open",
        "--set",
        "priorities.aliases.Urgentish=P1",
        "build",
        cwd=project[0],
    )
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("health")] == []


def test_quiet_leaves_the_summary_out(project: tuple[Path, dict[str, str]]) -> None:
    done = run("-q", "build", cwd=project[0])
    assert done.returncode == 0, done.stderr
    assert "health" not in done.stderr


def test_run_ends_with_the_health_warnings(project: tuple[Path, dict[str, str]]) -> None:
    done = run(*RUN, cwd=project[0])
    assert done.returncode == 0, done.stderr
    assert UNMAPPED in _lines(done.stderr, "health: ")


def test_check_exits_1_with_one_line_per_breach(project: tuple[Path, dict[str, str]]) -> None:
    done = run("check", cwd=project[0])
    assert done.returncode == 1
    assert _lines(done.stderr, "breach: ") == BREACHES
    assert "Foo" in done.stdout and "Urgentish" in done.stdout  # the unmapped values table


def test_check_exits_0_under_the_thresholds(project: tuple[Path, dict[str, str]]) -> None:
    done = run(*RELAXED, "check", "--source", "desk", cwd=project[0])
    assert done.returncode == 0, done.stderr
    assert "breach" not in done.stderr


def test_check_json_parses(project: tuple[Path, dict[str, str]]) -> None:
    done = run("check", "--format", "json", cwd=project[0])
    assert done.returncode == 1
    found = json.loads(done.stdout)
    assert found["breaches"] == BREACHES
    status = next(f for f in found["fields"] if (f["level"], f["field"]) == ("tickets", "status"))
    assert (status["rows"], status["unknown"], status["missing"], status["share"]) == (6, 2, 1, 0.5)
    assert found["sources"][0]["resolved_by_rule"] == 1


def test_check_of_an_unknown_source_is_one_line(project: tuple[Path, dict[str, str]]) -> None:
    done = run("check", "--source", "nosuch", cwd=project[0])
    assert done.returncode == 2
    assert done.stderr.strip() == "error: --source nosuch: no events of that source in the lake"


def test_status_shows_the_same_warnings(project: tuple[Path, dict[str, str]]) -> None:
    table = run("status", cwd=project[0])
    assert table.returncode == 0, table.stderr
    shown = table.stdout.splitlines()
    assert "warnings:" in shown and f"  {UNMAPPED}" in shown[shown.index("warnings:") :]
    document = json.loads(run("status", "--format", "json", cwd=project[0]).stdout)
    assert document["warnings"][: len(BREACHES)] == BREACHES and UNMAPPED in document["warnings"]


def test_check_shows_the_agreement_of_the_vendors_sla_figures(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The hand-counted incident table of tests/engine/test_health.py: a table of the figures
    it exports with their rates, and the same counts in the JSON output."""
    project = build_project(
        tmp_path_factory.mktemp("agreement"),
        {"incident.csv": INCIDENTS},
        "servicenow-table",
        "table",
        DESK,
    )
    table = run(*RELAXED, "check", cwd=project.root)
    assert table.returncode == 0, table.stderr
    assert "SLA figures of the source against ticketlake's (minutes within 1)" in table.stdout
    assert "made_sla" in table.stdout and "66.7%" in table.stdout
    document = json.loads(run(*RELAXED, "check", "--format", "json", cwd=project.root).stdout)
    got = [(a["figure"], a["vendor"], a["both"], a["agree"]) for a in document["sla_agreement"]]
    assert got == AGREEMENT
    assert document["sla_tolerance_minutes"] == 1.0
