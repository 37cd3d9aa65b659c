"""The command line as users run it: a real subprocess for exit codes and stderr."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from tests.synth.test_shapes import SEED_000_HEADER
from ticketlake.cli import docgen
from ticketlake.demo import DEMO_SHAPES

DOCS = Path(__file__).parents[2] / "docs" / "cli.md"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", "from ticketlake.cli.main import main; main()", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def test_snapshots_acceptance_100k_tickets_30_days(tmp_path: Path) -> None:
    out = tmp_path / "snaps"
    result = run("generate", "--shape", "snapshots", "--tickets", "100000", "--days", "30",
                 "--out", str(out), "--format", "json", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    files = sorted(out.glob("*.csv"))
    assert len(files) == 30 and len(json.loads(result.stdout)) == 30
    assert all(f.read_bytes().startswith(SEED_000_HEADER) for f in files)


def test_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "ticketlake.yml").write_text("engine:\n  threads: 0\n")
    result = run("config", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "engine.threads" in result.stderr and "Traceback" not in result.stderr


def test_bad_set_is_one_line_and_exit_2(tmp_path: Path) -> None:
    for bad in ("engine.threads=abc", "nosuch.key=1", "novalue"):
        result = run("--set", bad, "config", cwd=tmp_path)
        assert result.returncode == 2, bad
        assert result.stderr.strip().count("\n") == 0, result.stderr
        assert bad.split("=")[0] in result.stderr


def test_set_overrides_show_in_config(tmp_path: Path) -> None:
    result = run("--set", "engine.threads=7", "config", "--format", "csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {r["setting"]: r["value"] for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["engine.threads"] == "7"


def test_init_writes_config_and_json_log(tmp_path: Path) -> None:
    assert run("init", cwd=tmp_path).returncode == 0
    assert (tmp_path / "ticketlake.yml").is_file()
    again = run("init", cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr
    run("generate", "--tickets", "200", "--days", "10", "--out", "g", cwd=tmp_path)
    records = [
        json.loads(line) for line in (tmp_path / "logs" / "ticketlake.log").read_text().splitlines()
    ]
    assert any(r["message"].startswith("generated") and r["shape"] == "tickets" for r in records)


def test_demo_runs_every_shape(tmp_path: Path) -> None:
    result = run("demo", "--out", str(tmp_path / "demo"), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    steps = document["steps"]
    assert {s["shape"] for s in steps if s["step"] == "generate"} == set(DEMO_SHAPES)
    assert any(s["defects"] > 0 for s in steps)
    assert [s["step"] for s in steps][-3:] == ["build", "export", "report"]
    report = tmp_path / "demo" / "report" / "report.html"
    assert steps[-1]["path"] == str(report.resolve()) and report.is_file()
    assert steps[-1]["files"] == 1 + len(list((report.parent / "png").glob("*/*.png")))
    events = next(k for k in document["kpis"] if k["source"] == "events")
    assert events["created"] > 0 and 0 <= events["resolution_target_%"] <= 100
    assert len(document["busiest"]) == 5
    assert (tmp_path / "demo" / "mart" / "fact_ticket.csv").is_file()


def test_dirty_generation_writes_manifest(tmp_path: Path) -> None:
    result = run("generate", "--shape", "events", "--tickets", "500", "--days", "40", "--dirty",
                 "0.05", "--out", "ev", "-f", "json", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "ev" / "dirty_manifest.json").read_text())
    assert len(manifest["defects"]) > 0


def test_personal_generation_lists_the_planted_values(tmp_path: Path) -> None:
    args = ("--tickets", "200", "--days", "10", "--personal", "0.3", "-f", "json")
    result = run("generate", "--shape", "json", "--out", "j", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "j" / "dirty_manifest.json").read_text())
    assert len(manifest["personal"]) > 30 and "defects" not in manifest
    text = "".join(p.read_text() for p in (tmp_path / "j").glob("tickets*"))
    assert all(json.dumps(value)[1:-1] in text for value in manifest["personal"])


def test_day_first_dates_and_null_marker(tmp_path: Path) -> None:
    result = run("generate", "--tickets", "300", "--days", "10", "--out", "t", "--date-format",
                 "%d/%m/%Y %H:%M", "--timezone", "Europe/Berlin", "--null-marker", "?", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader((tmp_path / "t" / "tickets_202401.csv").open()))
    assert rows[0]["created_at"][2] == "/" and any(r["closed_at"] == "?" for r in rows)


def test_unknown_timezone_is_a_usage_error(tmp_path: Path) -> None:
    result = run("generate", "--timezone", "Mars/Olympus", cwd=tmp_path)
    assert result.returncode == 2 and "Mars/Olympus" in result.stderr


def test_cli_docs_are_current() -> None:
    assert DOCS.read_text() == docgen.render(), "docs/cli.md is stale: run `make docs`"
