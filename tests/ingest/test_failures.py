"""Unusable files fail as a whole with one clear line; row problems go to quarantine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ticketlake import Project
from ticketlake.engine.health import breaches

Cli = Callable[..., tuple[int, str, str]]


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "content", "args", "message"),
    [
        ("notes.txt", "hello\n", (), "unknown shape"),
        ("tickets.csv", "ticket_id,status\nT1,Open\n", ("--format", "tickets"), "missing required column for created_at"),
        ("tickets.csv", b"ticket_id,created_at\n\x00\x01\x02\n", ("--format", "tickets"), "undecodable"),
        ("tickets.csv", "", ("--format", "tickets"), "empty file"),
        ("tickets.csv", "\n\n", ("--format", "tickets"), "no line naming columns"),
        ("tickets.json", '{\n  "ticket_id": "T1"\n}\n', ("--format", "tickets"), "no JSON record found"),
        ("tickets.csv", "ticket_id,created_at\n", ("--format", "tickets"), "no data rows"),
    ],
)  # fmt: skip
def test_unusable_file_fails_with_one_line(name: str, content: str | bytes, args: tuple[str, ...],
                                           message: str, project: Project, cli: Cli, tmp_path: Path) -> None:  # fmt: skip
    """Nothing is loaded, the ledger has a failed row with the reason, exit is non-zero."""
    path = _write(tmp_path / "in" / name, content)
    code, _, err = cli("ingest", str(path), *args)
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and str(path.name) in lines[0] and message in lines[0], err
    assert "Traceback" not in err
    status = project.status()
    assert [b["status"] for b in status["batches"]] == ["failed"]
    assert message in status["batches"][0]["reason"]
    assert status["totals"]["rows_loaded"] == status["totals"]["events"] == 0


def test_declared_encoding_that_does_not_fit_fails(project: Project, tmp_path: Path) -> None:
    """A source that says utf-8 gets no silent latin-1 fallback."""
    path = _write(
        tmp_path / "t.csv",
        b"ticket_id,created_at\nT1,2024-01-01\n" + "T2,2024-01-02,é\n".encode("latin-1"),
    )
    (project.root / "ticketlake.yml").write_text(
        f"sources:\n  - name: desk\n    format: tickets\n    path: {path}\n    encoding: utf-8\n",
        encoding="utf-8",
    )
    outcome = Project(project.root).ingest(source="desk")
    assert outcome.batches[0].status == "failed"
    assert "cannot be decoded as utf-8" in outcome.batches[0].reason


def test_unknown_values_are_kept_as_unknown(project: Project, tmp_path: Path) -> None:
    """Unknown status and priority labels load, mapped to ``unknown``; nulls marked '?' too."""
    path = _write(tmp_path / "t.csv", "id,created,status,priority,queue\n"
                  "A,2024-01-01 10:00,Mystery,Whenever,?\nB,2024-01-02 10:00,Closed,2 - High,Net\n")  # fmt: skip
    project.ingest([path], format="tickets")
    with project.read() as con:
        rows = con.execute("SELECT ticket_id, status, status_category, priority, group_name "
                           "FROM tickets ORDER BY ticket_id").fetchall()  # fmt: skip
    assert rows == [
        ("A", "Mystery", "unknown", "unknown", None),
        ("B", "Closed", "closed", "P2", "Net"),
    ]


def test_an_empty_status_map_leaves_every_status_unknown_and_says_so(tmp_path: Path) -> None:
    """``statuses: {}`` is a setting, not a crash: the rows load with every status unknown,
    and mapping health counts them."""
    Project(tmp_path).init()
    project = Project(tmp_path, overrides=["statuses={}"])
    path = _write(tmp_path / "t.csv", "id,created,status\nA,2024-01-01 10:00,Open\n"
                  "B,2024-01-02 10:00,Closed\n")  # fmt: skip
    outcome = project.ingest([path], format="tickets")
    assert not outcome.failed
    with project.read() as con:
        rows = con.execute("SELECT ticket_id, status_category FROM tickets ORDER BY 1").fetchall()
    assert rows == [("A", "unknown"), ("B", "unknown")]
    lines = breaches(project.health(), project.settings)
    assert any("status unknown or missing: 2 of 2 tickets" in line for line in lines), lines


def test_day_first_dates_time_zone_and_mapping_file(project: Project, tmp_path: Path) -> None:
    """A source's date format and time zone give UTC; a mapping file names odd columns."""
    path = _write(tmp_path / "log.csv", "Ref;When;State\n".replace(";", ",") +
                  "X-1,31/03/2024 01:30,New\nX-1,31/03/2024 03:30,Closed\nX-1,31/13/2024 03:30,Closed\n")  # fmt: skip
    mapping = _write(tmp_path / "map.yml", "ticket_id: Ref\nevent_time: When\nstatus: State\n")
    (project.root / "ticketlake.yml").write_text(
        f"sources:\n  - name: log\n    format: eventlog\n    path: {path}\n"
        '    timezone: Europe/Berlin\n    date_format: "%d/%m/%Y %H:%M"\n', encoding="utf-8")  # fmt: skip
    outcome = Project(project.root).ingest(source="log", mapping=mapping)
    batch = outcome.batches[0]
    assert (batch.rows_in, batch.rows_loaded, batch.rows_quarantined) == (3, 2, 1)
    fresh = Project(project.root)
    with fresh.read() as con:
        times = con.execute("SELECT strftime(event_time, '%Y-%m-%d %H:%M') FROM ticket_events "
                            "ORDER BY event_time").fetchall()  # fmt: skip
    # 01:30 CET is 00:30 UTC; 03:30 CEST (after the switch at 02:00) is 01:30 UTC.
    assert times == [("2024-03-31 00:30",), ("2024-03-31 01:30",)]
    [row] = fresh.quarantine()
    assert (row["line"], row["column"], row["error_class"]) == (4, "When", "unparseable_timestamp")


def test_retry_after_a_settings_fix_loads_without_duplicates(
    project: Project, tmp_path: Path
) -> None:
    """Rows quarantined under a wrong date format load after the fix, once."""
    path = _write(tmp_path / "t.csv", "id,created_at,status\nA,2024-01-05 10:00,Open\nB,05/01/2024 11:00,Open\n"
                  "C,06/01/2024 12:00,Open\n")  # fmt: skip
    config = project.root / "ticketlake.yml"
    config.write_text(
        f"sources:\n  - name: desk\n    format: tickets\n    path: {path}\n", encoding="utf-8"
    )
    Project(project.root).ingest(source="desk")
    assert len(Project(project.root).quarantine()) == 2
    config.write_text(config.read_text() + '    date_format: "%d/%m/%Y %H:%M"\n', encoding="utf-8")
    fixed = Project(project.root)
    [retry] = fixed.retry_quarantine()
    assert (retry.rows_in, retry.rows_loaded) == (2, 2)
    assert fixed.quarantine() == []
    assert fixed.retry_quarantine() == []
    totals = fixed.status()["totals"]
    assert (totals["rows_in"], totals["rows_loaded"], totals["rows_quarantined"]) == (3, 3, 0)
    assert totals["tickets"] == 3
