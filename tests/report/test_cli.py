"""``ticketlake report`` as users run it: the path of the page on stdout, one error line and
exit code 2 for what the user can fix."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ticketlake import Project
from ticketlake.cli.main import app


def cli(root: Path, *args: str) -> tuple[int, str, str]:
    """``ticketlake -p ROOT ARGS...`` in-process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, ["-p", str(root), *args], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_default_period_prints_the_page_and_prunes_old_pngs(built: Project,
                                                            tmp_path: Path) -> None:  # fmt: skip
    """Without --from and --to the report covers the 28 days up to the last day a ticket was
    created, resolved or closed; PNG files of an earlier report that this one did not draw
    are deleted."""
    out = tmp_path / "out"
    for stale in (out / "png" / "gone" / "old.png", out / "png" / "desk" / "old.png"):
        stale.parent.mkdir(parents=True)
        stale.write_bytes(b"old")
    code, stdout, stderr = cli(built.root, "report", "--out", str(out))
    assert code == 0, stderr
    assert stdout == f"{out / 'report.html'}\n"
    last = built.query("SELECT max(d) FROM (SELECT created_date AS d FROM fact_ticket UNION ALL "
                       "SELECT resolved_date FROM fact_ticket UNION ALL "
                       "SELECT closed_date FROM fact_ticket)")[1][0][0]  # fmt: skip
    assert last is not None
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f"Period: {last - timedelta(days=27)} to {last} (28 days)." in html
    assert not (out / "png" / "gone").exists() and not (out / "png" / "desk" / "old.png").exists()
    assert (out / "png" / "desk" / "volume.png").is_file()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "2024-02-1x"], "--from expects a date as YYYY-MM-DD"),
        (["--to", "29/02/2024"], "--to expects a date as YYYY-MM-DD"),
        (
            ["--from", "2024-02-10", "--to", "2024-02-01"],
            "--from 2024-02-10 is after --to 2024-02-01",
        ),
        (["--from", "2030-01-01"], "is after the last day with data"),
    ],
)
def test_bad_dates_one_error_line(built: Project, tmp_path: Path, args: list[str],
                                  message: str) -> None:  # fmt: skip
    code, stdout, stderr = cli(built.root, "report", "--out", str(tmp_path / "out"), *args)
    assert code == 2, stderr
    assert stderr.startswith("error:") and stderr.strip().count("\n") == 0, stderr
    assert message in stderr and not stdout
    assert not (tmp_path / "out").exists()


def test_before_any_build_one_error_line(tmp_path: Path) -> None:
    Project(tmp_path).init()
    code, stdout, stderr = cli(tmp_path, "report")
    assert code == 2 and stderr.startswith("error:") and "ticketlake build" in stderr, stderr
    assert stderr.strip().count("\n") == 0 and not stdout


def test_outside_a_project_one_error_line(tmp_path: Path) -> None:
    code, _stdout, stderr = cli(tmp_path, "report")
    assert code == 2 and "not a ticketlake project" in stderr, stderr
