"""The warehouse commands as users run them: run, kpis, query, tables and export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tests.cli import RUN
from ticketlake import Project
from ticketlake.cli.main import app
from ticketlake.engine import models
from ticketlake.kpis import CATALOG
from ticketlake.synth import Options, write_shape

# One interaction whose text cells would run as spreadsheet formulas, and a count (a number,
# which must stay a number; a negative count is quarantined since issue 14, so the guard's
# treatment of negative numbers is tested on an integer column in tests/engine/test_export.py).
FORMULA = (
    "number,opened_at,closed_at,state,caller,assigned_to,assignment_group,location,"
    "contact_type,category,short_description,reopen_count\n"
    'IMS9000001,2024-01-05 10:00:00,,Work in Progress,-2+3,"=HYPERLINK(""http://x"")",'
    "@SUM(1),London,email,Access,+cmd,2\n"
)
HYPERLINK = '=HYPERLINK("http://x")'
LATE = """case_id,timestamp,event_type,status,assignment_group,assignee,priority
LATE-1,2024-01-06T09:00:00Z,created,New,Service Desk,,Low
"""


def _make(root: Path) -> Path:
    """A project with two sources: a generated event log (``desk``) and generated
    interactions plus :data:`FORMULA` (``contact``)."""
    options = Options(tickets=40, days=20, seed=3)
    write_shape("events", root / "exports" / "desk", options)
    write_shape("interactions", root / "exports" / "contact", options)
    (root / "exports" / "contact" / "interaction_formula.csv").write_text(FORMULA, "utf-8")
    config = Project(root).init()
    sources = "".join(f"  - name: {n}\n    format: {f}\n    path: exports/{n}\n"
                      for n, f in (("desk", "eventlog"), ("contact", "interactions")))  # fmt: skip
    text = config.read_text(encoding="utf-8").replace("sources: []\n", f"sources:\n{sources}", 1)
    config.write_text(text, encoding="utf-8")
    return root


def _cli(root: Path, *args: str) -> tuple[int, str, str]:
    """``ticketlake -p ROOT ARGS...`` in-process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, ["-p", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


def _json(root: Path, *args: str) -> Any:
    code, out, err = _cli(root, *args, "-f", "json")
    assert code == 0, err
    return json.loads(out)


def _documents(text: str) -> list[Any]:
    """Every JSON document of a stream printed one after another."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while text[at:].strip():
        at += len(text[at:]) - len(text[at:].lstrip())
        value, at = decoder.raw_decode(text, at)
        found.append(value)
    return found


def _usage_error(code: int, err: str) -> None:
    """Exit 2 with exactly one ``error:`` line and no traceback."""
    assert code == 2, err
    assert err.strip().count("\n") == 0 and err.startswith("error:"), err
    assert "Traceback" not in err


def _count(root: Path, table: str) -> int:
    return int(_json(root, "query", f"SELECT count(*) AS n FROM {table}")[0]["n"])


def _modes(root: Path) -> dict[str, str]:
    """How the last build ran each model (full, incremental or unchanged)."""
    return {r["model"]: r["mode"] for r in _json(root, "query", "SELECT model, mode FROM _models")}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project that ``ticketlake run`` has ingested and built (read-only for the tests)."""
    root = _make(tmp_path_factory.mktemp("mart_cli"))
    code, _out, err = _cli(root, *RUN)
    assert code == 0, err
    return root


def test_run_ingests_every_source_then_a_second_run_only_refreshes(tmp_path: Path) -> None:
    """First run: both sources committed and 27-odd models built in full. Second run: every
    file skipped, nothing rebuilt in full. A new file: its ticket's models run incrementally."""
    root = _make(tmp_path)
    first = {r["source"]: r for r in _json(root, *RUN)}
    assert set(first) == {"desk", "contact"}
    assert all(r["files"] > 0 and r["loaded"] > 0 and r["failed"] == 0 for r in first.values())
    assert first["contact"]["files"] == 4  # interactions, links, system ids, formula file
    modes = _modes(root)
    assert set(modes.values()) == {"full"} and "fact_ticket" in modes
    tickets = _count(root, "fact_ticket")

    code, out, err = _cli(root, *RUN, "-f", "json")
    assert code == 0, err
    again = {r["source"]: r for r in json.loads(out)}
    assert all(r["files"] == 0 and r["loaded"] == 0 for r in again.values())
    assert {s: r["skipped"] for s, r in again.items()} == {s: r["files"] for s, r in first.items()}
    assert "built" in err
    modes = _modes(root)
    assert "full" not in modes.values()
    assert _count(root, "fact_ticket") == tickets

    (root / "exports" / "desk" / "late.csv").write_text(LATE, encoding="utf-8")
    code, _out, err = _cli(root, *RUN)
    assert code == 0, err
    modes = _modes(root)
    assert modes["fact_ticket"] == modes["tickets"] == "incremental"
    assert _count(root, "fact_ticket") == tickets + 1


def test_kpis_lists_every_kpi(built: Path) -> None:
    """Name, unit, definition, table and the dimensions it breaks down by."""
    listed = _json(built, "kpis")
    assert [k["kpi"] for k in listed] == list(CATALOG)
    assert {"volume", "backlog", "resolution_time", "target_attainment"} <= set(CATALOG)
    assert all(k["definition"] and k["table"].startswith(("kpi_", "lifecycle_", "flow_"))
               for k in listed)  # fmt: skip


def test_kpis_volume_by_week_as_csv(built: Path) -> None:
    """A header and one row per week; every ticket is created once."""
    code, out, err = _cli(built, "kpis", "volume", "--by", "week", "-f", "csv")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "week,created,resolved,closed"
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) >= 3
    assert all(date.fromisoformat(r["week"]).weekday() == 0 for r in rows)
    assert sum(int(r["created"]) for r in rows) == _count(built, "fact_ticket")


def test_kpis_backlog_between_two_days_as_json(built: Path) -> None:
    """One row per day from --from to --to, the open tickets at each day's end."""
    rows = _json(built, "kpis", "backlog", "--from", "2024-01-05", "--to", "2024-01-10")
    first = date(2024, 1, 5)
    assert [r["day"] for r in rows] == [str(first + timedelta(days=i)) for i in range(6)]
    assert all(isinstance(r["open_tickets"], int) and r["open_tickets"] > 0 for r in rows)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["kpis", "nosuch"], "no KPI named 'nosuch'"),
        (["kpis", "volume", "--by", "colour"], "cannot be broken down by 'colour'"),
        (["kpis", "volume", "--from", "2024-13-01"], "--from expects a date"),
        (["kpis", "volume", "--to", "yesterday"], "--to expects a date"),
        (["kpis", "volume", "--from", "2024-01-10", "--to", "2024-01-05"], "is after"),
        (["kpis", "volume", "--where", "colour=red"], "cannot be filtered on 'colour'"),
        (["kpis", "daily_ops", "--by", "week"], "fixed grain"),
    ],
)
def test_bad_kpi_arguments_are_one_line_errors(built: Path, args: list[str], says: str) -> None:
    """Exit 2, one ``error:`` line naming the problem, no traceback."""
    code, out, err = _cli(built, *args)
    _usage_error(code, err)
    assert says in err and not out


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM fact_ticket",
        "DROP TABLE fact_ticket",
        "INSERT INTO fact_ticket SELECT * FROM fact_ticket",
        "UPDATE fact_ticket SET status = 'x'",
        "CREATE TABLE x AS SELECT 1",
        "COPY fact_ticket TO '{out}'",
        "COPY (SELECT * FROM fact_ticket) TO '{out}' (FORMAT parquet)",
        "ATTACH '{out}' AS other",
        "SELECT 1; DELETE FROM fact_ticket",
        "WITH t AS (SELECT 1) DELETE FROM fact_ticket",
        "EXPORT DATABASE '{out}'",
    ],
)
def test_query_refuses_anything_that_writes(built: Path, tmp_path: Path, sql: str) -> None:
    """Exit 2 with one line saying why; the table and the file system are unchanged."""
    out = tmp_path / "written"
    before = _count(built, "fact_ticket")
    code, stdout, err = _cli(built, "query", sql.format(out=out))
    _usage_error(code, err)
    assert any(w in err for w in ("read-only", "exactly one", "does not parse")), err
    assert not stdout and not out.exists()
    assert _count(built, "fact_ticket") == before


def test_tables_with_a_sample(built: Path) -> None:
    """The tables with their row counts, then up to two rows of each."""
    code, out, err = _cli(built, "tables", "--sample", "2", "-f", "json")
    assert code == 0, err
    listing, *samples = _documents(out)
    counts = {t["table"]: t["rows"] for t in listing}
    assert counts == dict(Project(built).tables())
    assert {"fact_ticket", "fact_ticket_event", "dim_date", "kpi_volume_daily"} <= set(counts)
    assert counts["fact_ticket"] == _count(built, "fact_ticket")
    assert [len(s) for s in samples] == [min(2, n) for n in counts.values()]


def _exported(built: Path) -> dict[str, int]:
    """Tables ``export`` writes (the mart and KPI ones, not the canonical ``tickets`` and
    ``ticket_comments``) and their row counts."""
    canonical = {name for name, m in models.load().items() if m.layer == "canonical"}
    skip = ("cfg_", "ledger")
    return {
        t: n for t, n in Project(built).tables() if not t.startswith(skip) and t not in canonical
    }


def test_export_csv_writes_every_mart_and_kpi_table(built: Path, tmp_path: Path) -> None:
    """One CSV per table, each with a header and the table's rows."""
    code, _out, err = _cli(built, "export", str(tmp_path / "out"), "--format", "csv")
    assert code == 0, err
    files = {p.name for p in (tmp_path / "out").iterdir()}
    want = _exported(built)
    assert files == {f"{t}.csv" for t in want}
    assert {"fact_ticket.csv", "dim_date.csv", "kpi_volume_daily.csv"} <= files
    for table, count in want.items():
        with (tmp_path / "out" / f"{table}.csv").open(encoding="utf-8", newline="") as f:
            assert len(list(csv.DictReader(f))) == count, table


def test_export_parquet_matches_the_warehouse(built: Path, tmp_path: Path) -> None:
    """Readable by pyarrow, with the warehouse's row counts and values kept as they are."""
    code, _out, err = _cli(built, "export", str(tmp_path / "pq"), "--format", "parquet")
    assert code == 0, err
    want = _exported(built)
    assert {p.name for p in (tmp_path / "pq").iterdir()} == {f"{t}.parquet" for t in want}
    for table, count in want.items():
        assert pq.read_table(tmp_path / "pq" / f"{table}.parquet").num_rows == count, table
    facts = pq.read_table(tmp_path / "pq" / "fact_ticket.parquet").to_pylist()
    [row] = [r for r in facts if r["ticket_id"] == "IMS9000001"]
    assert row["group_name"] == "@SUM(1)" and row["reopen_count"] == 2


def test_export_csv_neutralises_formulas_but_not_numbers(built: Path, tmp_path: Path) -> None:
    """Text cells starting with = + - @ get a leading apostrophe; a negative count does not."""
    code, _out, err = _cli(built, "export", str(tmp_path / "out"))
    assert code == 0, err
    with (tmp_path / "out" / "fact_ticket.csv").open(encoding="utf-8", newline="") as f:
        [row] = [r for r in csv.DictReader(f) if r["ticket_id"] == "IMS9000001"]
    assert row["assignee"] == "'" + HYPERLINK
    assert row["group_name"] == "'@SUM(1)"
    assert row["title"] == "'+cmd"
    assert row["requester"] == "'-2+3"
    assert row["reopen_count"] == "2"
    assert row["location"] == "London"
    with (tmp_path / "out" / "dim_agent.csv").open(encoding="utf-8", newline="") as f:
        assert "'" + HYPERLINK in {r["agent_name"] for r in csv.DictReader(f)}


def test_kpi_from_the_library_is_an_arrow_table(built: Path) -> None:
    """``Project.kpi`` returns pyarrow, which converts to pandas."""
    table = Project(built).kpi("volume", by=["week"])
    assert isinstance(table, pa.Table)
    assert table.column_names == ["week", "created", "resolved", "closed"]
    frame = table.to_pandas()
    assert len(frame) == table.num_rows and int(frame["created"].sum()) == _count(
        built, "fact_ticket"
    )
