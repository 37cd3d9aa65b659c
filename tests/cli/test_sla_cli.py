"""``ticketlake sla`` as users run it, in-process, on the at-risk queue of
tests/models/test_golden_sla_kpis.py (its outcomes are worked out there)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.models.conftest import build_project
from tests.models.test_golden_sla_kpis import QUEUE
from ticketlake.cli.main import app

# A policy of its own for the P2 tickets (C, F): 10 h to resolve on 24/7, no response target.
SETTINGS = """\
sla_policies:
  - name: urgent
    when: {priority: [P2]}
    resolution: {hours: 10}
"""


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = build_project(tmp_path_factory.mktemp("sla"), {"events.csv": QUEUE},
                            settings=SETTINGS)  # fmt: skip
    return project.root


def _cli(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["-p", str(root), "sla", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_attainment_per_policy(root: Path) -> None:
    """As of 01-02 00:00: the default policy's responses (A B D E achieved; Z running) are the
    only outcomes besides E's resolution, breached at 16:00 while running."""
    code, out, err = _cli(root, "-f", "json")
    assert code == 0, err
    found = {(r["policy"], r["metric"]): (r["achieved"], r["breached"]) for r in json.loads(out)}
    assert found == {("default", "response"): (4, 0), ("default", "resolution"): (0, 1)}


def test_at_risk_queue(root: Path) -> None:
    """C (P2) used 7.5 of urgent's 10 h: 75 %, 2.5 h left; F 5 of 10 h: 50 %, paused."""
    code, out, err = _cli(root, "--at-risk", "--policy", "urgent", "-f", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["ticket_id"], r["risk"], r["stage"], float(r["hours_left"])) for r in rows] == [
        ("C", "75-90", "in_progress", 2.5),
        ("F", "50-75", "paused", 5.0),
    ]
    code, out, _ = _cli(root, "--at-risk", "-f", "json")
    # breached first, then by bucket, then by time left: C 2.5 h before B 4 h, F 5 h before A 10 h
    assert [r["ticket_id"] for r in json.loads(out)] == ["E", "D", "C", "B", "F", "A"]
    code, out, _ = _cli(root, "--at-risk")
    assert code == 0 and "at-risk queue" in out and "breached" in out


def test_unknown_policy(root: Path) -> None:
    code, out, err = _cli(root, "--policy", "gold")
    assert code != 0 and not out
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == ["error: no SLA policy named 'gold'; policies: urgent, default"]
